"""The links an e-mail carries and the pages they open: a numbered option's press link
(:mod:`.buttons`, :mod:`.press`), the one-click unsubscribe (:mod:`.unsubscribe`), both sealed
by :mod:`.sealed` and shown by :mod:`.pages`. Following a link shows a page and changes
nothing; only the page's POST acts, once, for whom the link was issued to."""
