"""The moderator's case work: the queue, the case page and its actions (routes in ``views``)."""
