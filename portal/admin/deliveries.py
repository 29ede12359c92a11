"""Deliveries to the case system and notices that failed or were dead-lettered, for administrators to try
again or mark as handled by hand."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.access import current_actor, staff_required
from portal.admin.blueprint import bp
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.db import get_session
from portal.outbox import services as outbox
from portal.outbox.models import OutboxItem


@bp.get("/leveranser")
@staff_required("administrator")
def deliveries() -> ResponseReturnValue:
    """Deliveries to the case system and notices that failed or were dead-lettered."""
    db = get_session()
    items = db.scalars(
        sa.select(OutboxItem)
        .where(
            OutboxItem.municipality_id == g.staff.municipality_id, OutboxItem.status.in_(("failed", "dead"))
        )
        .order_by(OutboxItem.created_at.desc())
        .limit(200)
    ).all()
    retry_hours = round(current_app.config["PORTAL"].outbox_retry_hours)
    return render_template("staff/deliveries.html", items=items, retry_hours=retry_hours)


@bp.post("/leveranser/<int:item_id>/<action>")
@staff_required("administrator")
def delivery_action(item_id: int, action: str) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_session()
    item = db.get(OutboxItem, item_id)
    if (
        item is None
        or item.municipality_id != g.staff.municipality_id
        or item.status not in ("failed", "dead")
    ):
        audit.deny(audit.by_staff, "outbox_item", item_id)
    if action == "forsok-igen":
        outbox.retry_now(db, item, current_actor("staff"))
        flash(_("The delivery will be tried again within a minute."), "success")
    elif action == "hanterad":
        outbox.mark_handled(db, item, current_actor("staff"))
        flash(_("The delivery is marked as handled by hand."), "success")
    else:
        abort(404)
    return redirect(url_for(".deliveries"))
