-- One runner (a runtime replica) runs a session's turns at a time. It holds a lease on the session and renews it while
-- it works; a lease that runs out (the replica died or was cut off) lets any replica take the session over and resume
-- its unfinished turn from the last committed step.
alter table runtime.sessions
    add column runner_id    text,
    add column lease_until  timestamptz,
    -- event seqs are handed out in blocks reserved here first, so a runner never reuses a seq a crashed one sent
    add column seq_reserved bigint not null default 0;

-- how many runners started the turn; past runtime.recovery.max-attempts it fails instead of crashing its runner again
alter table runtime.turns add column attempts int not null default 0;

create index turns_unfinished on runtime.turns (session_id, created_at) where status in ('pending', 'running');
