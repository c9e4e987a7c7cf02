-- The booking page's default language (one of the widget's: en, de, fr, es, nl), used when
-- the page names none; NULL: the visitor's browser languages decide.
ALTER TABLE orgs ADD COLUMN locale text;
