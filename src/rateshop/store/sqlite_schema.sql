CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)
-- next
CREATE TABLE comparisons (
	id INTEGER NOT NULL, 
	ref VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	line VARCHAR(16) NOT NULL, 
	state VARCHAR(2) NOT NULL, 
	effective DATE NOT NULL, 
	risk JSON NOT NULL, owner_key_hash VARCHAR(64), 
	CONSTRAINT pk_comparisons PRIMARY KEY (id), 
	CONSTRAINT uq_comparisons_ref UNIQUE (ref)
)
-- next
CREATE INDEX ix_comparisons_created_at ON comparisons (created_at)
-- next
CREATE TABLE manual_versions (
	id INTEGER NOT NULL, 
	carrier VARCHAR(64) NOT NULL, 
	line VARCHAR(16) NOT NULL, 
	state VARCHAR(2) NOT NULL, 
	effective DATE NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	first_seen DATETIME NOT NULL, 
	CONSTRAINT pk_manual_versions PRIMARY KEY (id), 
	CONSTRAINT uq_manual_versions_content_hash UNIQUE (content_hash)
)
-- next
CREATE TABLE answers (
	id INTEGER NOT NULL, 
	comparison_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	carrier VARCHAR(64) NOT NULL, 
	premium_cents BIGINT, 
	total_cents BIGINT, 
	monthly_cents BIGINT, 
	manual_hash VARCHAR(64), 
	manual_version VARCHAR(64), 
	body JSON NOT NULL, 
	CONSTRAINT pk_answers PRIMARY KEY (id), 
	CONSTRAINT fk_answers_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE CASCADE, 
	CONSTRAINT fk_answers_manual_hash_manual_versions FOREIGN KEY(manual_hash) REFERENCES manual_versions (content_hash), 
	CONSTRAINT uq_answers_comparison_id_carrier UNIQUE (comparison_id, carrier), 
	CONSTRAINT ck_answers_ck_answers_kind CHECK (kind IN ('quote', 'decline', 'error')), 
	CONSTRAINT ck_answers_ck_answers_quote_amounts CHECK (kind <> 'quote' OR (premium_cents IS NOT NULL AND total_cents IS NOT NULL AND monthly_cents IS NOT NULL))
)
-- next
CREATE INDEX ix_answers_comparison_id ON answers (comparison_id)
-- next
CREATE INDEX ix_answers_manual_hash ON answers (manual_hash)
-- next
CREATE TABLE contacts (
	id INTEGER NOT NULL, 
	comparison_id INTEGER NOT NULL, 
	carrier VARCHAR(64) NOT NULL, 
	contact TEXT NOT NULL, 
	consented_at DATETIME NOT NULL, 
	wording TEXT, consent_version VARCHAR(32), 
	CONSTRAINT pk_contacts PRIMARY KEY (id), 
	CONSTRAINT fk_contacts_comparison_id_carrier_answers FOREIGN KEY(comparison_id, carrier) REFERENCES answers (comparison_id, carrier) ON DELETE CASCADE
)
-- next
CREATE INDEX ix_contacts_comparison_id_carrier ON contacts (comparison_id, carrier)
-- next
CREATE TABLE users (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	role VARCHAR(8) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT uq_users_username UNIQUE (username), 
	CONSTRAINT ck_users_ck_users_role CHECK (role IN ('agent', 'admin'))
)
-- next
CREATE TABLE login_sessions (
	id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	user_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	CONSTRAINT pk_login_sessions PRIMARY KEY (id), 
	CONSTRAINT uq_login_sessions_token_hash UNIQUE (token_hash), 
	CONSTRAINT fk_login_sessions_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- next
CREATE INDEX ix_login_sessions_user_id ON login_sessions (user_id)
-- next
CREATE INDEX ix_login_sessions_expires_at ON login_sessions (expires_at)
-- next
CREATE TABLE comparison_agents (
	comparison_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	CONSTRAINT pk_comparison_agents PRIMARY KEY (comparison_id), 
	CONSTRAINT fk_comparison_agents_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE CASCADE, 
	CONSTRAINT fk_comparison_agents_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- next
CREATE INDEX ix_comparison_agents_user_id ON comparison_agents (user_id)
-- next
CREATE TABLE notes (
	id INTEGER NOT NULL, 
	comparison_id INTEGER NOT NULL, 
	author_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_notes PRIMARY KEY (id), 
	CONSTRAINT fk_notes_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE CASCADE, 
	CONSTRAINT fk_notes_author_id_users FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE CASCADE
)
-- next
CREATE INDEX ix_notes_comparison_id ON notes (comparison_id)
-- next
CREATE TABLE login_attempts (
	id INTEGER NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	"key" VARCHAR(128) NOT NULL, 
	count INTEGER NOT NULL, 
	window_start DATETIME NOT NULL, 
	CONSTRAINT pk_login_attempts PRIMARY KEY (id), 
	CONSTRAINT uq_login_attempts_kind_key UNIQUE (kind, "key"), 
	CONSTRAINT ck_login_attempts_ck_login_attempts_kind CHECK (kind IN ('user', 'address'))
)
-- next
CREATE INDEX ix_login_attempts_window_start ON login_attempts (window_start)
-- next
CREATE TABLE manual_uploads (
	id INTEGER NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	carrier VARCHAR(64) NOT NULL, 
	folder VARCHAR(255) NOT NULL, 
	files JSON NOT NULL, 
	uploaded_at DATETIME NOT NULL, 
	CONSTRAINT pk_manual_uploads PRIMARY KEY (id), 
	CONSTRAINT uq_manual_uploads_content_hash UNIQUE (content_hash), 
	CONSTRAINT uq_manual_uploads_carrier_folder UNIQUE (carrier, folder)
)
-- next
CREATE TABLE agencies (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	licence VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_agencies PRIMARY KEY (id), 
	CONSTRAINT uq_agencies_name UNIQUE (name)
)
-- next
CREATE TABLE agency_members (
	user_id INTEGER NOT NULL, 
	agency_id INTEGER NOT NULL, 
	role VARCHAR(8) NOT NULL, 
	CONSTRAINT pk_agency_members PRIMARY KEY (user_id), 
	CONSTRAINT fk_agency_members_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT fk_agency_members_agency_id_agencies FOREIGN KEY(agency_id) REFERENCES agencies (id) ON DELETE CASCADE, 
	CONSTRAINT ck_agency_members_ck_agency_members_role CHECK (role IN ('agent', 'admin'))
)
-- next
CREATE INDEX ix_agency_members_agency_id ON agency_members (agency_id)
-- next
CREATE TABLE clients (
	id INTEGER NOT NULL, 
	agency_id INTEGER NOT NULL, 
	agent_id INTEGER, 
	reference VARCHAR(16) NOT NULL, 
	identity TEXT NOT NULL, 
	zip VARCHAR(10), 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_clients PRIMARY KEY (id), 
	CONSTRAINT fk_clients_agency_id_agencies FOREIGN KEY(agency_id) REFERENCES agencies (id) ON DELETE CASCADE, 
	CONSTRAINT fk_clients_agent_id_users FOREIGN KEY(agent_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT uq_clients_agency_id_reference UNIQUE (agency_id, reference)
)
-- next
CREATE INDEX ix_clients_agency_id ON clients (agency_id)
-- next
CREATE INDEX ix_clients_agent_id ON clients (agent_id)
-- next
CREATE INDEX ix_clients_zip ON clients (zip)
-- next
CREATE TABLE client_index (
	id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	field VARCHAR(8) NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	CONSTRAINT pk_client_index PRIMARY KEY (id), 
	CONSTRAINT fk_client_index_client_id_clients FOREIGN KEY(client_id) REFERENCES clients (id) ON DELETE CASCADE, 
	CONSTRAINT ck_client_index_ck_client_index_field CHECK (field IN ('name', 'email', 'phone'))
)
-- next
CREATE INDEX ix_client_index_client_id ON client_index (client_id)
-- next
CREATE INDEX ix_client_index_field_digest ON client_index (field, digest)
-- next
CREATE TABLE agency_leads (
	id INTEGER NOT NULL, 
	agency_id INTEGER NOT NULL, 
	comparison_id INTEGER NOT NULL, 
	contact TEXT NOT NULL, 
	consented_at DATETIME NOT NULL, 
	wording TEXT NOT NULL, 
	consent_version VARCHAR(32) NOT NULL, 
	assigned_to INTEGER, 
	client_id INTEGER, 
	assigned_at DATETIME, 
	CONSTRAINT pk_agency_leads PRIMARY KEY (id), 
	CONSTRAINT fk_agency_leads_agency_id_agencies FOREIGN KEY(agency_id) REFERENCES agencies (id) ON DELETE CASCADE, 
	CONSTRAINT fk_agency_leads_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE CASCADE, 
	CONSTRAINT fk_agency_leads_assigned_to_users FOREIGN KEY(assigned_to) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT fk_agency_leads_client_id_clients FOREIGN KEY(client_id) REFERENCES clients (id) ON DELETE SET NULL, 
	CONSTRAINT uq_agency_leads_agency_id_comparison_id UNIQUE (agency_id, comparison_id)
)
-- next
CREATE INDEX ix_agency_leads_agency_id ON agency_leads (agency_id)
-- next
CREATE INDEX ix_agency_leads_comparison_id ON agency_leads (comparison_id)
-- next
CREATE INDEX ix_agency_leads_assigned_to ON agency_leads (assigned_to)
-- next
CREATE TABLE client_comparisons (
	comparison_id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	previous_id INTEGER, 
	added_at DATETIME NOT NULL, 
	CONSTRAINT pk_client_comparisons PRIMARY KEY (comparison_id), 
	CONSTRAINT fk_client_comparisons_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE CASCADE, 
	CONSTRAINT fk_client_comparisons_client_id_clients FOREIGN KEY(client_id) REFERENCES clients (id) ON DELETE CASCADE, 
	CONSTRAINT fk_client_comparisons_previous_id_comparisons FOREIGN KEY(previous_id) REFERENCES comparisons (id) ON DELETE SET NULL
)
-- next
CREATE INDEX ix_client_comparisons_client_id ON client_comparisons (client_id)
-- next
CREATE TABLE client_notes (
	id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	author_id INTEGER, 
	author VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_client_notes PRIMARY KEY (id), 
	CONSTRAINT fk_client_notes_client_id_clients FOREIGN KEY(client_id) REFERENCES clients (id) ON DELETE CASCADE, 
	CONSTRAINT fk_client_notes_author_id_users FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE SET NULL
)
-- next
CREATE INDEX ix_client_notes_client_id ON client_notes (client_id)
-- next
CREATE TABLE policies (
	id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	carrier VARCHAR(64) NOT NULL, 
	premium_cents BIGINT NOT NULL, 
	effective DATE NOT NULL, 
	expiry DATE NOT NULL, 
	comparison_id INTEGER, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_policies PRIMARY KEY (id), 
	CONSTRAINT fk_policies_client_id_clients FOREIGN KEY(client_id) REFERENCES clients (id) ON DELETE CASCADE, 
	CONSTRAINT fk_policies_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE SET NULL, 
	CONSTRAINT ck_policies_ck_policies_term CHECK (expiry > effective), 
	CONSTRAINT ck_policies_ck_policies_premium CHECK (premium_cents > 0)
)
-- next
CREATE INDEX ix_policies_client_id ON policies (client_id)
-- next
CREATE INDEX ix_policies_expiry ON policies (expiry)
-- next
CREATE TABLE renewal_checks (
	id INTEGER NOT NULL, 
	policy_id INTEGER NOT NULL, 
	checked_at DATETIME NOT NULL, 
	comparison_id INTEGER, 
	current_cents BIGINT, 
	best_carrier VARCHAR(64), 
	best_cents BIGINT, 
	flagged BOOLEAN NOT NULL, 
	CONSTRAINT pk_renewal_checks PRIMARY KEY (id), 
	CONSTRAINT fk_renewal_checks_policy_id_policies FOREIGN KEY(policy_id) REFERENCES policies (id) ON DELETE CASCADE, 
	CONSTRAINT fk_renewal_checks_comparison_id_comparisons FOREIGN KEY(comparison_id) REFERENCES comparisons (id) ON DELETE SET NULL
)
-- next
CREATE INDEX ix_renewal_checks_policy_id ON renewal_checks (policy_id)
-- next
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	agency_id INTEGER NOT NULL, 
	user_id INTEGER, 
	username VARCHAR(64) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	subject VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id), 
	CONSTRAINT fk_audit_log_agency_id_agencies FOREIGN KEY(agency_id) REFERENCES agencies (id) ON DELETE CASCADE, 
	CONSTRAINT fk_audit_log_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL
)
-- next
CREATE INDEX ix_audit_log_agency_id ON audit_log (agency_id)
-- next
CREATE INDEX ix_audit_log_at ON audit_log (at)
-- next
INSERT INTO alembic_version (version_num) VALUES ('0006')
