-- What an org offers (services, practitioners, their hours, overrides and links) is read
-- by every availability query and booking. Server processes cache it per org and reuse it
-- while orgs.catalog_version is unchanged: every change to those tables bumps it, here in
-- the database, so no write path (nor a hand-written SQL fix) can forget to.
ALTER TABLE orgs ADD COLUMN catalog_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER services_catalog_insert AFTER INSERT ON services
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER services_catalog_update AFTER UPDATE ON services
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER services_catalog_delete AFTER DELETE ON services
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER practitioners_catalog_insert AFTER INSERT ON practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER practitioners_catalog_update AFTER UPDATE ON practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER practitioners_catalog_delete AFTER DELETE ON practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER service_practitioners_catalog_insert AFTER INSERT ON service_practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM services WHERE id = NEW.service_id);
END;

CREATE TRIGGER service_practitioners_catalog_update AFTER UPDATE ON service_practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM services WHERE id = NEW.service_id);
END;

CREATE TRIGGER service_practitioners_catalog_delete AFTER DELETE ON service_practitioners
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM services WHERE id = OLD.service_id);
END;

CREATE TRIGGER practitioner_date_overrides_catalog_insert AFTER INSERT ON practitioner_date_overrides
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM practitioners WHERE id = NEW.practitioner_id);
END;

CREATE TRIGGER practitioner_date_overrides_catalog_update AFTER UPDATE ON practitioner_date_overrides
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM practitioners WHERE id = NEW.practitioner_id);
END;

CREATE TRIGGER practitioner_date_overrides_catalog_delete AFTER DELETE ON practitioner_date_overrides
BEGIN
    UPDATE orgs SET catalog_version = catalog_version + 1 WHERE id = (SELECT org_id FROM practitioners WHERE id = OLD.practitioner_id);
END;
