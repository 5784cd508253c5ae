-- A cancel asked for (POST /api/sessions/{id}/cancel): the runner stops the turn at once when it is local, and every
-- runner checks this before each model call and when it begins a turn. A cancelled turn ends with status 'cancelled'.
alter table runtime.turns add column cancel_requested boolean not null default false;
