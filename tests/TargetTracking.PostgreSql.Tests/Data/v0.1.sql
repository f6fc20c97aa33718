--
-- PostgreSQL database dump
--

\restrict YhIksBgpe8VaodnnepcEJnQcZo9IbSVpbiwSHvwY0yGcGVkpCgZPxVBePfo2edK

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: targettracking_v01; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA targettracking_v01;


--
-- Name: history_append_only(); Type: FUNCTION; Schema: targettracking_v01; Owner: -
--

CREATE FUNCTION targettracking_v01.history_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('targettracking.allow_history_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'TargetTracking history is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: history; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.history (
    id uuid NOT NULL,
    target_id uuid NOT NULL,
    action text NOT NULL,
    old_status text,
    new_status text,
    version bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    actor_id text,
    actor_name text,
    correlation_id text NOT NULL,
    operation_id text,
    client_address text,
    user_agent text
);


--
-- Name: operation_failures; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.operation_failures (
    operation_id text NOT NULL,
    seq bigint NOT NULL,
    target_id uuid NOT NULL,
    code text NOT NULL,
    message text NOT NULL,
    occurred_at timestamp with time zone NOT NULL
);


--
-- Name: operation_failures_seq_seq; Type: SEQUENCE; Schema: targettracking_v01; Owner: -
--

ALTER TABLE targettracking_v01.operation_failures ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME targettracking_v01.operation_failures_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: operation_items; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.operation_items (
    operation_id text NOT NULL,
    target_id uuid NOT NULL
);


--
-- Name: operations; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.operations (
    id text NOT NULL,
    status text NOT NULL,
    target_status text,
    selection text NOT NULL,
    total bigint NOT NULL,
    processed bigint NOT NULL,
    succeeded bigint NOT NULL,
    failed bigint NOT NULL,
    batch_size integer NOT NULL,
    current_batch bigint NOT NULL,
    cursor uuid,
    created_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone,
    last_updated_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone,
    error text,
    retry_count integer NOT NULL,
    max_retries integer NOT NULL,
    cancel_requested boolean NOT NULL,
    actor_id text,
    actor_name text,
    client_address text,
    user_agent text
);


--
-- Name: schema_version; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.schema_version (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: targets; Type: TABLE; Schema: targettracking_v01; Owner: -
--

CREATE TABLE targettracking_v01.targets (
    id uuid NOT NULL,
    name text NOT NULL,
    name_norm text NOT NULL,
    description text,
    markets text[] NOT NULL,
    markets_norm text[] NOT NULL,
    status text,
    version bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    status_changed_at timestamp with time zone,
    CONSTRAINT targets_version_check CHECK ((version >= 1))
);


--
-- Data for Name: history; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.history (id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent) FROM stdin;
019593fb-47f5-7071-bb6f-4e43216770fb	019593fb-47f5-7fb5-b263-2b18fbcd32d7	Created	\N	Active	1	2025-03-14 09:27:53.589793+00	u-1001	Alice Martin	corr-0001	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
019593fc-3255-7aa0-aa4c-ab445a8ef6e8	019593fc-3255-7fb0-bd97-ee6d2ef8d1d8	Created	\N	Hot	1	2025-03-14 09:28:53.589793+00	u-1002	Bob Øster-Ñúñez	corr-0002	\N	2001:db8::42	curl/8.5.0
019593fd-1cb5-7692-9ff2-0a31c0be0161	019593fd-1cb5-7c49-aebf-c46254290191	Created	\N	\N	1	2025-03-14 09:29:53.589793+00	\N	\N	019593fd1cb5710b96212adb954affa1	\N	\N	\N
019593fe-0715-7667-947d-383505fec8d8	019593fe-0715-7450-bb77-e8ada52a6699	Created	\N	Cold	1	2025-03-14 09:30:53.589793+00	u-1001	Alice Martin	corr-bulk-0004	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
019593fe-0715-76f6-a8d3-0b150e2f55e4	019593fe-0715-77ef-a46b-537a6cd1cc9d	Created	\N	Passed	1	2025-03-14 09:30:53.589793+00	u-1001	Alice Martin	corr-bulk-0004	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
019593fe-f175-79b7-a310-f6a648f820f7	019593fe-f175-79a2-a930-122eb7ec7a92	Created	\N	Active	1	2025-03-14 09:31:53.589793+00	u-1001	Alice Martin	corr-0005	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
019593ff-dbd5-73d4-98cd-b55f5b70130d	019593ff-dbd5-7897-8060-82a287863c61	Created	\N	Active	1	2025-03-14 09:32:53.589793+00	u-1001	Alice Martin	corr-0006	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
01959400-c635-7356-affa-a7d406beefd3	019593fe-0715-77ef-a46b-537a6cd1cc9d	StatusChanged	Passed	Cold	2	2025-03-14 09:33:53.589793+00	u-2001	Carol 李	corr-0007	\N	198.51.100.7	TargetTracking-Dashboard/0.1 (+https://example.test)
01959401-b095-704b-9873-ce8d4c095842	019593fc-3255-7fb0-bd97-ee6d2ef8d1d8	StatusChanged	Hot	Active	2	2025-03-14 09:34:53.589793+00	u-1002	Bob Øster-Ñúñez	corr-0008	\N	2001:db8::42	curl/8.5.0
01959402-9af5-7bdd-981d-40c898054689	019593fe-0715-77ef-a46b-537a6cd1cc9d	Updated	Cold	Cold	3	2025-03-14 09:35:53.589793+00	u-2001	Carol 李	corr-0009	\N	198.51.100.7	TargetTracking-Dashboard/0.1 (+https://example.test)
01959403-8555-7a83-89c9-6c986ba4cb11	019593ff-dbd5-7897-8060-82a287863c61	StatusChanged	Active	Closed	2	2025-03-14 09:36:53.589793+00	u-1001	Alice Martin	corr-0010	\N	192.0.2.10	Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0
01959404-6fb5-7250-9291-e971eb04b058	019593fe-f175-79a2-a930-122eb7ec7a92	StatusChanged	Active	Hot	2	2025-03-14 09:37:53.589793+00	u-1002	Bob Øster-Ñúñez	corr-0011	\N	2001:db8::42	curl/8.5.0
01959405-5a15-7687-880a-66a8deaa8d65	019593fe-f175-79a2-a930-122eb7ec7a92	Deleted	Hot	\N	3	2025-03-14 09:38:53.589793+00	u-2001	Carol 李	corr-0012	\N	198.51.100.7	TargetTracking-Dashboard/0.1 (+https://example.test)
01959407-2ed5-7cdf-8ff4-ee56e69bc9fb	019593fb-47f5-7fb5-b263-2b18fbcd32d7	StatusChanged	Active	Hot	2	2025-03-14 09:40:53.589793+00	svc-ops	Ops Runner	op-2025-03-14-hot	op-2025-03-14-hot	10.0.0.7	TargetTracking.Ops/1.0
01959408-1935-732b-92f5-305ca055daa0	019593fe-0715-7450-bb77-e8ada52a6699	StatusChanged	Cold	Hot	2	2025-03-14 09:41:53.589793+00	svc-ops	Ops Runner	op-2025-03-14-hot	op-2025-03-14-hot	10.0.0.7	TargetTracking.Ops/1.0
\.


--
-- Data for Name: operation_failures; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.operation_failures (operation_id, seq, target_id, code, message, occurred_at) FROM stdin;
op-2025-03-14-hot	1	01900000-0000-7000-8000-000000000001	not_found	Target 01900000-0000-7000-8000-000000000001 was not found.	2025-03-14 09:40:53.589793+00
op-2025-03-14-hot	2	019593ff-dbd5-7897-8060-82a287863c61	transition_not_allowed	Target 019593ff-dbd5-7897-8060-82a287863c61 cannot move from Closed to Hot. Closed is a final status.	2025-03-14 09:41:53.589793+00
\.


--
-- Data for Name: operation_items; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.operation_items (operation_id, target_id) FROM stdin;
op-2025-03-14-hot	019593fb-47f5-7fb5-b263-2b18fbcd32d7
op-2025-03-14-hot	019593fe-0715-7450-bb77-e8ada52a6699
op-2025-03-14-hot	019593ff-dbd5-7897-8060-82a287863c61
op-2025-03-14-hot	01900000-0000-7000-8000-000000000001
\.


--
-- Data for Name: operations; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.operations (id, status, target_status, selection, total, processed, succeeded, failed, batch_size, current_batch, cursor, created_at, started_at, last_updated_at, completed_at, error, retry_count, max_retries, cancel_requested, actor_id, actor_name, client_address, user_agent) FROM stdin;
op-2025-03-14-hot	Completed	Hot	4 ids	4	4	2	2	2	2	019593ff-dbd5-7897-8060-82a287863c61	2025-03-14 09:39:53.589793+00	2025-03-14 09:40:53.589793+00	2025-03-14 09:42:53.589793+00	2025-03-14 09:42:53.589793+00	\N	0	2	f	svc-ops	Ops Runner	10.0.0.7	TargetTracking.Ops/1.0
\.


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.schema_version (version, name, applied_at) FROM stdin;
1	0001_targets_and_history	2026-11-23 12:31:58.477424+00
2	0002_history_append_only	2026-11-23 12:31:58.501006+00
3	0003_operations	2026-11-23 12:31:58.511284+00
\.


--
-- Data for Name: targets; Type: TABLE DATA; Schema: targettracking_v01; Owner: -
--

COPY targettracking_v01.targets (id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at) FROM stdin;
019593fd-1cb5-7c49-aebf-c46254290191	Emoji Ventures 🦄	EMOJI VENTURES 🦄	\N	{"🌍 Global",apac}	{"🌍 GLOBAL",APAC}	\N	1	2025-03-14 09:29:53.589793+00	2025-03-14 09:29:53.589793+00	\N
019593fc-3255-7fb0-bd97-ee6d2ef8d1d8	Société Générale d'Études	SOCIÉTÉ GÉNÉRALE D'ÉTUDES	Données: 東京 office; 🚀 launch	{Île-de-France,日本,Ελλάδα}	{ÎLE-DE-FRANCE,日本,ΕΛΛΆΔΑ}	Active	2	2025-03-14 09:28:53.589793+00	2025-03-14 09:34:53.589793+00	2025-03-14 09:34:53.589793+00
019593fe-0715-77ef-a46b-537a6cd1cc9d	Beta Ventures	BETA VENTURES	Reopened deal — now in LATAM too	{US,"Latin America"}	{US,"LATIN AMERICA"}	Cold	3	2025-03-14 09:30:53.589793+00	2025-03-14 09:35:53.589793+00	2025-03-14 09:33:53.589793+00
019593ff-dbd5-7897-8060-82a287863c61	Omega Closed	OMEGA CLOSED	Line 1\nLine 2\ttab "quoted" \\ back	{EU}	{EU}	Closed	2	2025-03-14 09:32:53.589793+00	2025-03-14 09:36:53.589793+00	2025-03-14 09:36:53.589793+00
019593fb-47f5-7fb5-b263-2b18fbcd32d7	Acme Holdings	ACME HOLDINGS	Industrial holding — EU & US	{EU,US}	{EU,US}	Hot	2	2025-03-14 09:27:53.589793+00	2025-03-14 09:40:53.589793+00	2025-03-14 09:40:53.589793+00
019593fe-0715-7450-bb77-e8ada52a6699	Zeta Partners (100% growth_fund)	ZETA PARTNERS (100% GROWTH_FUND)	\N	{}	{}	Hot	2	2025-03-14 09:30:53.589793+00	2025-03-14 09:41:53.589793+00	2025-03-14 09:41:53.589793+00
\.


--
-- Name: operation_failures_seq_seq; Type: SEQUENCE SET; Schema: targettracking_v01; Owner: -
--

SELECT pg_catalog.setval('targettracking_v01.operation_failures_seq_seq', 2, true);


--
-- Name: history history_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.history
    ADD CONSTRAINT history_pkey PRIMARY KEY (id);


--
-- Name: history history_target_version_key; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.history
    ADD CONSTRAINT history_target_version_key UNIQUE (target_id, version);


--
-- Name: operation_failures operation_failures_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.operation_failures
    ADD CONSTRAINT operation_failures_pkey PRIMARY KEY (operation_id, target_id, seq);


--
-- Name: operation_items operation_items_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.operation_items
    ADD CONSTRAINT operation_items_pkey PRIMARY KEY (operation_id, target_id);


--
-- Name: operations operations_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.operations
    ADD CONSTRAINT operations_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: targets targets_pkey; Type: CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.targets
    ADD CONSTRAINT targets_pkey PRIMARY KEY (id);


--
-- Name: history_occurred_at_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX history_occurred_at_ix ON targettracking_v01.history USING btree (occurred_at, id);


--
-- Name: operations_completed_at_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX operations_completed_at_ix ON targettracking_v01.operations USING btree (completed_at) WHERE (completed_at IS NOT NULL);


--
-- Name: operations_status_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX operations_status_ix ON targettracking_v01.operations USING btree (status, last_updated_at);


--
-- Name: targets_created_at_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX targets_created_at_ix ON targettracking_v01.targets USING btree (created_at, id);


--
-- Name: targets_markets_norm_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX targets_markets_norm_ix ON targettracking_v01.targets USING gin (markets_norm);


--
-- Name: targets_name_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX targets_name_ix ON targettracking_v01.targets USING btree (name COLLATE "C", id);


--
-- Name: targets_status_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX targets_status_ix ON targettracking_v01.targets USING btree (status);


--
-- Name: targets_updated_at_ix; Type: INDEX; Schema: targettracking_v01; Owner: -
--

CREATE INDEX targets_updated_at_ix ON targettracking_v01.targets USING btree (updated_at, id);


--
-- Name: history history_append_only; Type: TRIGGER; Schema: targettracking_v01; Owner: -
--

CREATE TRIGGER history_append_only BEFORE DELETE OR UPDATE ON targettracking_v01.history FOR EACH ROW EXECUTE FUNCTION targettracking_v01.history_append_only();


--
-- Name: history history_no_truncate; Type: TRIGGER; Schema: targettracking_v01; Owner: -
--

CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON targettracking_v01.history FOR EACH STATEMENT EXECUTE FUNCTION targettracking_v01.history_append_only();


--
-- Name: operation_failures operation_failures_operation_id_fkey; Type: FK CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.operation_failures
    ADD CONSTRAINT operation_failures_operation_id_fkey FOREIGN KEY (operation_id) REFERENCES targettracking_v01.operations(id) ON DELETE CASCADE;


--
-- Name: operation_items operation_items_operation_id_fkey; Type: FK CONSTRAINT; Schema: targettracking_v01; Owner: -
--

ALTER TABLE ONLY targettracking_v01.operation_items
    ADD CONSTRAINT operation_items_operation_id_fkey FOREIGN KEY (operation_id) REFERENCES targettracking_v01.operations(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict YhIksBgpe8VaodnnepcEJnQcZo9IbSVpbiwSHvwY0yGcGVkpCgZPxVBePfo2edK

