"""Update dispatching: concurrent across users, in order per user, offsets confirm only done."""

import asyncio

from telegram import Chat, Message, Update, User

from bot.updates import UpdateDispatcher


def make_update(update_id: int, user_id: int) -> Update:
    user = User(user_id, f"u{user_id}", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, None, chat, from_user=user, text=str(update_id))  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_in_order_per_user_concurrent_across_users() -> None:
    seen: list[tuple[int, int]] = []
    running = 0
    peak = 0

    async def handle(update: Update) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02 if update.update_id % 2 else 0.05)
        seen.append((update.effective_user.id, update.update_id))  # type: ignore[union-attr]
        running -= 1

    dispatcher = UpdateDispatcher(handle, max_concurrent=10)
    for uid in range(1, 31):
        dispatcher.submit(make_update(uid, user_id=uid % 3))
    await dispatcher.drain(5)
    assert len(seen) == 30
    for user in range(3):
        ids = [u for who, u in seen if who == user]
        assert ids == sorted(ids)
    assert peak == 3  # three users in parallel, never two updates of one user at once


async def test_offset_stays_at_lowest_unfinished() -> None:
    release = asyncio.Event()

    async def handle(update: Update) -> None:
        if update.update_id == 5:
            await release.wait()

    dispatcher = UpdateDispatcher(handle, max_concurrent=10)
    for uid in range(5, 9):
        dispatcher.submit(make_update(uid, user_id=uid))
    await asyncio.sleep(0.05)
    assert dispatcher.offset(high_water=8) == 5  # 5 still running: nothing confirmed past it
    assert dispatcher.known(6)
    assert dispatcher.known(5)
    release.set()
    await dispatcher.drain(1)
    assert dispatcher.offset(high_water=8) == 9


async def test_a_failing_handler_does_not_block_the_user() -> None:
    handled: list[int] = []

    async def handle(update: Update) -> None:
        if update.update_id == 1:
            raise RuntimeError("boom")
        handled.append(update.update_id)

    dispatcher = UpdateDispatcher(handle, max_concurrent=2)
    dispatcher.submit(make_update(1, 7))
    dispatcher.submit(make_update(2, 7))
    await dispatcher.drain(1)
    assert handled == [2]
    assert dispatcher.offset(high_water=2) == 3
