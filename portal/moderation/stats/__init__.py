"""The moderators' statistics: counts per period (``service``), small-count suppression
(``suppression``, ``linked``), the charts and the page (``views``)."""
