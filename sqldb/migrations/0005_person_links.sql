-- An older person's or a family member's account sees the people it is linked to
-- and nobody else (issue 3, item 6; 子女网上下单 needs the child linked to the parent).
CREATE TABLE person_links (
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	relation   TEXT NOT NULL,
	created_at {{.Time}} NOT NULL,
	PRIMARY KEY (user_id, person_id)
);
CREATE INDEX person_links_person ON person_links (person_id);
