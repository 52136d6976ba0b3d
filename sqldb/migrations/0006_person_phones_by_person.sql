-- savePhones deletes a person's phone hashes by person_id, and ON DELETE CASCADE
-- does the same: without this index each was a scan of the whole table.
CREATE INDEX person_phones_person ON person_phones (person_id);
