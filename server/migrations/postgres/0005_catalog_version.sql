-- What an org offers (services, practitioners, their hours, overrides and links) is read
-- by every availability query and booking. Server processes cache it per org and reuse it
-- while orgs.catalog_version is unchanged: every change to those tables bumps it, here in
-- the database, so no write path (nor a hand-written SQL fix) can forget to.
ALTER TABLE orgs ADD COLUMN catalog_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_ record;
    org text;
BEGIN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    IF TG_TABLE_NAME IN ('services', 'practitioners') THEN
        org := row_.org_id;
    ELSIF TG_TABLE_NAME = 'service_practitioners' THEN
        SELECT s.org_id INTO org FROM services s WHERE s.id = row_.service_id;
    ELSE
        SELECT p.org_id INTO org FROM practitioners p WHERE p.id = row_.practitioner_id;
    END IF;
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = org;
    RETURN NULL;
END
$$;

CREATE TRIGGER services_catalog_version AFTER INSERT OR UPDATE OR DELETE ON services
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER practitioners_catalog_version AFTER INSERT OR UPDATE OR DELETE ON practitioners
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER service_practitioners_catalog_version AFTER INSERT OR UPDATE OR DELETE ON service_practitioners
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER practitioner_date_overrides_catalog_version AFTER INSERT OR UPDATE OR DELETE ON practitioner_date_overrides
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
