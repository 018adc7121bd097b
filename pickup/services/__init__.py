"""Pickup's writes, one module per concern; callers import the module they need:

* ``pickup.services.points`` — the shop's counter, partner cafés (places and points), partner
  invitations. Every point a shop offers lies inside its service area: adding, moving,
  partnering or resuming one outside is refused with ``outside_service_area`` and the
  distance; shrinking the area pauses the points left outside and never deletes them.
* ``pickup.services.windows`` — pickup windows (per weekday) and choosing the slot and day of
  a reservation inside the shop's and the place's calendars.
* ``pickup.services.calendar`` — closing a day (the shop, or one café) and cancelling, in the
  same transaction, the reservations on it; a café's weekly hours.
* ``pickup.services.reservations`` — reserve and the lifecycle (ready, picked up, cancelled,
  no-show), the phone retention job. Stock moves only through ``livestock.services``, inside
  the reservation's own transaction, so a reservation and the stock it took commit or roll
  back together. Status changes are announced after commit.
* ``pickup.limits`` — the per-IP and wrong-code rate limits (Django's cache).

Each service is keyword-only, owns its transaction and returns domain objects; the faces
(api.py, views.py, owner_views.py, admin.py) build what they show from them.

Lock order (the one order for the whole project; livestock/services.py and shops/services.py
follow it too). A transaction takes row locks only in this order, and skips those it does not
need:

    idempotency key → shop calendar → pickup window → reservation → listing → shop
    → pickup point → place → reservation feeds → capability rows (notify's waiting push)

* The idempotency key is claimed first (an INSERT into a unique index, shops/idempotency.py).
* The shop calendar row (``shops.ShopCalendar``): a reservation holds it ``FOR SHARE``
  (reservations do not wait for each other) before it reads the closures; closing a day
  holds it ``FOR UPDATE`` (several shops' rows, for a café, in shop id order), then locks the
  day's open reservations and their listings in id order before it cancels them. A
  reservation therefore commits before the closure and is cancelled by it, or sees it.
* Pickup windows: all windows of one point in one ``ORDER BY starts_at, pk`` statement.
* The listing row is locked by ``SELECT … FOR UPDATE OF`` where it is read first, or by the
  count change's conditional ``UPDATE … RETURNING`` itself (a reservation, a "+20"): the same
  lock at the same point.
* The shop row is locked by the stock version bump (an UPDATE in livestock/services.py) after
  the listing, or, by writes that lock nothing before it (service area, the shop's counter),
  with ``FOR NO KEY UPDATE`` so rows that merely point at the shop can still be inserted.
* Pickup points and their places are locked only after the shop (the service area pausing
  points outside it) or alone (pausing, moving, partnering one point).
* The reservation feeds (pickup/streams.py: the owner and café feeds' versions) are locked
  last, in key order, when a change is announced; on PostgreSQL the deferred foreign-key
  checks (KEY SHARE locks on referenced rows) are run just before, and a reservation row is
  updated once per transaction (its ``version`` goes with the change), since a second update
  of a row makes PostgreSQL check its foreign keys again.

* Capabilities' receivers of ``shops.events`` run inside these transactions, so they lock
  last: notify locks the shop's waiting arrival ``Push`` row (the shop row is already held by
  the version bump, which is what makes posts of one shop queue there). notify's own writes
  (follows, fan-out, delivery rows) lock only notify rows, one table at a time.

Every ``select_for_update`` names ``of=("self",)``: a ``select_related`` join must never lock
the joined rows too, which would take e.g. the shop before the listing and deadlock against
any stock change (tests/pickup/test_lock_order.py proves both the SQL and the race).
"""
