"""Moderating the forum: the review queue, boards, the word list and the gate (rules in ``portal.forum``)."""
