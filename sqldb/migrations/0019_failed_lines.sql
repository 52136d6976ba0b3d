-- Lines the bank returned as failed are paid again as arrears: each batch
-- looks for them in its region and window. They are few; a partial index
-- finds them without reading a year of lines.
CREATE INDEX payment_lines_failed ON payment_lines (region_path, for_month) WHERE status = 'failed';
