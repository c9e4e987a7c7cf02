//! The customer form: what was typed, checked before sending (the server checks again).

use crate::i18n::t;

/// What the customer typed (kept across errors and retries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
}

/// A field and what is wrong with it, in words for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl CustomerForm {
    /// The first problem, if any: a name, and an e-mail address or a phone number.
    pub fn validate(&self) -> Option<FieldError> {
        let email = self.email.trim();
        let phone = self.phone.trim();
        if self.name.trim().is_empty() {
            return Some(FieldError { field: "name", message: t().enter_name });
        }
        if email.is_empty() && phone.is_empty() {
            return Some(FieldError { field: "email", message: t().enter_contact });
        }
        if !email.is_empty() {
            let plausible = email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.bytes().any(|b| b == b'.') && !d.ends_with('.'))
                && !email.chars().any(char::is_whitespace);
            if !plausible {
                return Some(FieldError { field: "email", message: t().bad_email });
            }
        }
        if !phone.is_empty() {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            if !(5..=20).contains(&digits)
                || !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
            {
                return Some(FieldError { field: "phone", message: t().bad_phone });
            }
        }
        if self.notes.chars().count() > 2000 {
            return Some(FieldError { field: "notes", message: t().long_notes });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, email: &str, phone: &str) -> CustomerForm {
        CustomerForm { name: name.into(), email: email.into(), phone: phone.into(), notes: String::new() }
    }

    #[test]
    fn a_name_and_one_way_to_reach_the_customer() {
        assert_eq!(form("Ada", "ada@example.com", "").validate(), None);
        assert_eq!(form("Ada", "", "+49 30 1234567").validate(), None);
        assert_eq!(form(" ", "ada@example.com", "").validate().unwrap().field, "name");
        assert_eq!(form("Ada", "", "").validate().unwrap().field, "email");
        assert_eq!(form("Ada", "ada@", "").validate().unwrap().field, "email");
        assert_eq!(form("Ada", "", "call me").validate().unwrap().field, "phone");
        assert_eq!(form("Ada", "", "12").validate().unwrap().field, "phone");
    }
}
