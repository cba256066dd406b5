"""Embeddable chart links: a secret, expiring, revocable URL that draws one measure's chart as
its creator would see it, for `<img src>` on a portal page (issue 17, item 4)."""
