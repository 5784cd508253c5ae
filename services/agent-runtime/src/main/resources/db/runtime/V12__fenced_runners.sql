-- The fencing token of a session's lease: it goes up each time a runner takes the session over. Every write a runner
-- makes for the session carries the token it got and is refused once it is not the session's any more, so a runner
-- that lost its lease (paused, cut off) stops at its next write instead of repeating or losing a step.
alter table runtime.sessions add column lease_epoch bigint not null default 0;

-- What a turn's end event said, so that whoever takes over from a runner that died between committing the end and
-- publishing it can publish it again, under the same seq (readers drop a repeat by seq).
alter table runtime.turns
    add column end_seq       bigint,
    add column input_tokens  int,
    add column output_tokens int;
