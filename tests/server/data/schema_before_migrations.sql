-- The schema Shailoo's server made on PostgreSQL before migrations (main at e067861): the create_all DDL of every
-- table (board, receipts, complaints, cabinet, identity), compiled for PostgreSQL from that commit's models, and the
-- board_state row BoardStorage.create_schema inserted. tests/server/test_migrations.py loads it to prove such a
-- database is recognised and upgraded without losing a row. Never edit it: it is history.

CREATE TABLE board_state (
	id SERIAL NOT NULL, 
	size BIGINT NOT NULL, 
	phase VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE board_entry (
	idx BIGINT NOT NULL, 
	kind VARCHAR NOT NULL, 
	payload VARCHAR NOT NULL, 
	entry_hash BYTEA NOT NULL, 
	payload_hash BYTEA NOT NULL, 
	dedup_key VARCHAR, 
	timestamp BIGINT NOT NULL, 
	promise_signature BYTEA NOT NULL, 
	PRIMARY KEY (idx), 
	UNIQUE (entry_hash), 
	UNIQUE (dedup_key)
);

CREATE INDEX ix_board_entry_payload_hash ON board_entry (payload_hash);

CREATE TABLE board_node (
	node_id BIGINT NOT NULL, 
	hash BYTEA NOT NULL, 
	PRIMARY KEY (node_id)
);

CREATE TABLE board_tree_head (
	size BIGINT NOT NULL, 
	root_hash BYTEA NOT NULL, 
	timestamp BIGINT NOT NULL, 
	key_id BYTEA NOT NULL, 
	signature BYTEA NOT NULL, 
	PRIMARY KEY (size)
);

CREATE TABLE board_cosignature (
	size BIGINT NOT NULL, 
	witness VARCHAR NOT NULL, 
	witness_key BYTEA NOT NULL, 
	key_id BYTEA NOT NULL, 
	timestamp BIGINT NOT NULL, 
	signature BYTEA NOT NULL, 
	PRIMARY KEY (size, witness)
);

CREATE TABLE server_receipt (
	tracking_code VARCHAR(32) NOT NULL, 
	ballot_hash BYTEA NOT NULL, 
	entry_index BIGINT NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	PRIMARY KEY (tracking_code)
);

CREATE TABLE server_complaint (
	complaint_code VARCHAR(18) NOT NULL, 
	category VARCHAR(16) NOT NULL, 
	complainant VARCHAR(16) NOT NULL, 
	text TEXT, 
	filed_index BIGINT NOT NULL, 
	resolution_index BIGINT, 
	outcome VARCHAR(16), 
	reason TEXT, 
	PRIMARY KEY (complaint_code)
);

CREATE TABLE server_complaint_attachment (
	complaint_code VARCHAR(18) NOT NULL, 
	position INTEGER NOT NULL, 
	media_type VARCHAR(32) NOT NULL, 
	data BYTEA NOT NULL, 
	PRIMARY KEY (complaint_code, position)
);

CREATE TABLE registrar_cabinet_application (
	election_id VARCHAR(64) NOT NULL, 
	voter_hash VARCHAR(64) NOT NULL, 
	application_code VARCHAR(18) NOT NULL, 
	destination VARCHAR(16) NOT NULL, 
	precinct_id VARCHAR(64), 
	home_style VARCHAR(64) NOT NULL, 
	new_style VARCHAR(64) NOT NULL, 
	applied_at BIGINT NOT NULL, 
	PRIMARY KEY (election_id, voter_hash), 
	UNIQUE (application_code)
);

CREATE TABLE identity_audit (
	id BIGINT NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	event VARCHAR(64) NOT NULL, 
	election_id VARCHAR(128) NOT NULL, 
	voter_hash VARCHAR(64) NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	outcome VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE identity_face_review (
	id SERIAL NOT NULL, 
	first_number VARCHAR(14) NOT NULL, 
	second_number VARCHAR(14) NOT NULL, 
	distance FLOAT NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	opened_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	decision VARCHAR(32) NOT NULL, 
	decided_by VARCHAR(64) NOT NULL, 
	decided_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_face_review_pair UNIQUE (first_number, second_number)
);

CREATE INDEX ix_identity_face_review_second_number ON identity_face_review (second_number);

CREATE INDEX ix_identity_face_review_first_number ON identity_face_review (first_number);

CREATE TABLE identity_voter (
	personal_number VARCHAR(14) NOT NULL, 
	region VARCHAR(200) NOT NULL, 
	district VARCHAR(200) NOT NULL, 
	precinct VARCHAR(200) NOT NULL, 
	sealed BYTEA NOT NULL, 
	PRIMARY KEY (personal_number)
);

CREATE INDEX ix_identity_voter_district ON identity_voter (district);

CREATE TABLE identity_registry_generation (
	id SERIAL NOT NULL, 
	generation INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE identity_identification (
	id BIGINT NOT NULL, 
	election_id VARCHAR(128) NOT NULL, 
	voter_hash VARCHAR(64) NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	claimed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_identification_election_voter UNIQUE (election_id, voter_hash)
);

CREATE TABLE identity_issuance_gate (
	election_id VARCHAR(128) NOT NULL, 
	closed BOOLEAN NOT NULL, 
	passed INTEGER NOT NULL, 
	PRIMARY KEY (election_id)
);

CREATE TABLE identity_issuance (
	id BIGINT NOT NULL, 
	claim_id BIGINT NOT NULL, 
	election_id VARCHAR(128) NOT NULL, 
	ballot_style_id VARCHAR(128) NOT NULL, 
	voter_hash VARCHAR(64) NOT NULL, 
	credential_issued BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (claim_id), 
	FOREIGN KEY(claim_id) REFERENCES identity_identification (id)
);

CREATE INDEX ix_identity_issuance_election_id ON identity_issuance (election_id);

INSERT INTO board_state (id, size, phase) VALUES (1, 0, 'setup');
