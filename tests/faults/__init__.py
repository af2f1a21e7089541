"""Fault tests: each makes a part fail for real (a server process it starts and stops, a full
disk) and checks what the portal answers, what it keeps and how it recovers."""
