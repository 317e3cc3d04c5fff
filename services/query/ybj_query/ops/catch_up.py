"""Which messages a dead-letter retry applies, and in which order (pure): each dead letter once per origin, then the
later messages of the same keys (cases, registry entries) in their partition, interleaved by offset, since the
projector passed those over while the dead letter waited."""

from __future__ import annotations

from typing import TypeAlias

from aiokafka import ConsumerRecord, TopicPartition

from ybj_query.ops.deadletters import DeadLetter

Work: TypeAlias = DeadLetter | ConsumerRecord[bytes, bytes]


def once_each(letters: list[DeadLetter]) -> tuple[list[DeadLetter], int]:
    """One dead letter per origin (the first read), and how many copies were dropped."""
    seen: set[tuple[TopicPartition, int | None]] = set()
    kept: list[DeadLetter] = []
    for letter in letters:
        if letter.source is not None:
            if (letter.source, letter.source_offset) in seen:
                continue
            seen.add((letter.source, letter.source_offset))
        kept.append(letter)
    return kept, len(letters) - len(kept)


def first_offsets(letters: list[DeadLetter]) -> dict[bytes, int]:
    """Per message key (case or entry id), the earliest dead letter's offset in its origin partition."""
    firsts: dict[bytes, int] = {}
    for letter in letters:
        if letter.key is not None and letter.source_offset is not None:
            firsts[letter.key] = min(firsts.get(letter.key, letter.source_offset), letter.source_offset)
    return firsts


def later_of(
    records: list[ConsumerRecord[bytes, bytes]], firsts: dict[bytes, int], letters: list[DeadLetter]
) -> list[ConsumerRecord[bytes, bytes]]:
    """The records that come after a dead letter of their key (and are not dead letters themselves)."""
    dead = {letter.source_offset for letter in letters}
    return [
        r
        for r in records
        if r.key is not None and r.key in firsts and r.offset > firsts[r.key] and r.offset not in dead
    ]


def in_order(letters: list[DeadLetter], later: list[ConsumerRecord[bytes, bytes]]) -> list[Work]:
    """Dead letters and later records of one partition, in the partition's order."""
    items: list[tuple[int, Work]] = [(letter.source_offset or 0, letter) for letter in letters]
    items += [(r.offset, r) for r in later]
    return [work for _, work in sorted(items, key=lambda item: item[0])]
