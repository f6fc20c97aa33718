-- Version 6: goals, sprints and commitments, linked to targets (outcomes) only. Items relate to each other through
-- outcome_links alone: there is no goal-sprint or goal-commitment table or column. History may hold 'Linked' and
-- 'Unlinked' entries (action is text without a CHECK here: nothing to change on history). The core decides every
-- change; keys, foreign keys and checks are the second line of defence.

CREATE TABLE hierarchy_items (
    id          uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('Goal', 'Sprint', 'Commitment')),
    title       text        NOT NULL,
    title_norm  text        NOT NULL,
    description text,
    status      text,
    target_day  integer,
    sprint_name text,
    start_day   integer,
    end_day     integer,
    priority    integer,
    due_day     integer,
    when_day    integer,
    version     bigint      NOT NULL CHECK (version >= 1),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT hierarchy_items_pkey PRIMARY KEY (id),
    -- What a link's (item_id, kind) references: a link cannot claim another kind than its item has.
    CONSTRAINT hierarchy_items_id_kind_key UNIQUE (id, kind),
    CONSTRAINT hierarchy_items_sprint_dates_check CHECK (end_day IS NULL OR start_day IS NULL OR end_day >= start_day)
);

CREATE INDEX hierarchy_items_kind_ix ON hierarchy_items (kind, id);
CREATE INDEX hierarchy_items_kind_status_ix ON hierarchy_items (kind, upper(status));
CREATE INDEX hierarchy_items_kind_when_ix ON hierarchy_items (kind, when_day);

-- Many-to-many, with referential integrity both ways. No ON DELETE CASCADE: the core removes links itself, each with an
-- Unlinked entry, before it deletes either side, so a delete that would leave a link behind fails here.
CREATE TABLE outcome_links (
    target_id uuid NOT NULL,
    item_id   uuid NOT NULL,
    kind      text NOT NULL,
    CONSTRAINT outcome_links_pkey PRIMARY KEY (target_id, item_id),
    CONSTRAINT outcome_links_target_fk FOREIGN KEY (target_id) REFERENCES targets (id),
    CONSTRAINT outcome_links_item_fk FOREIGN KEY (item_id, kind) REFERENCES hierarchy_items (id, kind)
);

-- An item's outcomes; the pkey serves an outcome's items.
CREATE INDEX outcome_links_item_ix ON outcome_links (item_id, target_id);

-- The items' own history; it outlives the item (no foreign key).
CREATE TABLE hierarchy_history (
    id             uuid        NOT NULL PRIMARY KEY,
    item_id        uuid        NOT NULL,
    kind           text        NOT NULL,
    action         text        NOT NULL CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted')),
    old_status     text,
    new_status     text,
    version        bigint      NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor_id       text,
    actor_name     text,
    correlation_id text        NOT NULL,
    CONSTRAINT hierarchy_history_item_version_key UNIQUE (item_id, version)
);

CREATE FUNCTION hierarchy_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TargetTracking hierarchy history is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER hierarchy_history_append_only
BEFORE UPDATE OR DELETE ON hierarchy_history
FOR EACH ROW EXECUTE FUNCTION hierarchy_history_append_only();

CREATE TRIGGER hierarchy_history_no_truncate
BEFORE TRUNCATE ON hierarchy_history
FOR EACH STATEMENT EXECUTE FUNCTION hierarchy_history_append_only();
