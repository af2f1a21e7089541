"""The installation operator (issue 14 item 2): its work on organisations (``service``), the
coarse counts and health it sees, and its pages (``views``, blueprint /operator). Importing the
package loads no blueprint: the shell's commands use ``service`` alone."""
