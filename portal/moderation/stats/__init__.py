"""The moderators' statistics: counts per period (``service``), small-count suppression
(``suppression``, ``linked``, with the checks of what stays exposed in ``disclosure``), the charts
and the page (``views``)."""
