//! The widget's words in the languages it speaks, and which of them a visitor gets.
//!
//! The language is, in this order: `?locale=xx` on the page (the embed passes its
//! placeholder's `data-locale` this way), the org's default language (`PublicOrg.locale`),
//! the browser's languages in the visitor's order, English. A region the visitor gave
//! (`de-AT`, `fr-CA`) is kept for the browser's Intl, which writes dates and times; the
//! words are per language. Dates, weekdays and months never come from here: `clock` asks
//! Intl for them in [`tag`].
//!
//! The words are plain `&'static str` tables, one per language, rather than an i18n crate:
//! the widget has ~50 strings and no plurals beyond one number, and the tables cost only
//! their text in the wasm (see the README's widget section for the sizes).

mod de;
mod en;
mod es;
mod fr;
mod nl;

use std::cell::Cell;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    Nl,
}

impl Lang {
    const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Nl];

    /// The ISO 639-1 code, as `cadence_shared::LOCALES` writes it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Nl => "nl",
        }
    }

    fn text(self) -> &'static Text {
        match self {
            Lang::En => &en::TEXT,
            Lang::De => &de::TEXT,
            Lang::Fr => &fr::TEXT,
            Lang::Es => &es::TEXT,
            Lang::Nl => &nl::TEXT,
        }
    }
}

/// A language and, when the visitor named one, a region for Intl (`AT` of `de-AT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub lang: Lang,
    region: Option<[u8; 2]>,
}

impl Locale {
    /// `de`, `de-AT`, `DE_at`, `fr-CA-u-ca-gregory` → that language (and region); `None` for a
    /// language the widget does not speak or text that is not a language tag. The region is
    /// kept only when it is two letters, so Intl is never handed a tag it would throw at.
    pub fn parse(tag: &str) -> Option<Locale> {
        let mut parts = tag.trim().split(['-', '_']);
        let primary = parts.next()?.to_ascii_lowercase();
        let lang = Lang::ALL.into_iter().find(|l| l.code() == primary)?;
        let region = parts.next().and_then(|r| match r.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
            }
            _ => None,
        });
        Some(Locale { lang, region })
    }

    /// The BCP 47 tag for Intl and `<html lang>`: `de` or `de-AT`.
    pub fn tag(self) -> String {
        match self.region {
            Some([a, b]) => format!("{}-{}{}", self.lang.code(), char::from(a), char::from(b)),
            None => self.lang.code().to_owned(),
        }
    }
}

/// The visitor's language: the page's request, else the org's default, else the first of
/// the browser's languages the widget speaks, else English.
pub fn choose(asked: Option<&str>, org_default: Option<&str>, browser: &[String]) -> Locale {
    asked
        .and_then(Locale::parse)
        .or_else(|| org_default.and_then(Locale::parse))
        .or_else(|| browser.iter().find_map(|t| Locale::parse(t)))
        .unwrap_or(Locale { lang: Lang::En, region: None })
}

thread_local! {
    static CURRENT: Cell<Locale> = const { Cell::new(Locale { lang: Lang::En, region: None }) };
}

/// Makes `locale` the widget's language from now on: the words, Intl's formats, the page's
/// `lang` and title. Screens read it when they are built, so call it before building them.
pub fn apply(locale: Locale) {
    CURRENT.with(|c| c.set(locale));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(html) = document.document_element() {
        let _ = html.set_attribute("lang", &locale.tag());
    }
    document.set_title(t().page_title);
}

/// The widget's words in its current language.
pub fn t() -> &'static Text {
    CURRENT.with(Cell::get).lang.text()
}

/// The current language's tag for Intl (`de-AT`).
pub fn tag() -> String {
    CURRENT.with(Cell::get).tag()
}

/// The browser's languages, the visitor's preferred first (`navigator.languages`).
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return Vec::new() };
    navigator.languages().iter().filter_map(|v| v.as_string()).collect()
}

/// Every string the widget shows, in one language. `#` in `too_many` is the seconds (a
/// one-character mark: replacing it needs no substring search in the wasm).
pub struct Text {
    pub page_title: &'static str,
    pub loading: &'static str,
    pub loading_services: &'static str,
    pub loading_booking: &'static str,
    pub finding_times: &'static str,
    pub try_again: &'static str,
    pub service: &'static str,
    pub minutes: &'static str,
    pub practitioner: &'static str,
    pub any_practitioner: &'static str,
    pub timezone: &'static str,
    pub previous_month: &'static str,
    pub next_month: &'static str,
    pub open_times: &'static str,
    pub no_times: &'static str,
    pub your_details: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub notes: &'static str,
    pub book: &'static str,
    pub move_here: &'static str,
    pub sending: &'static str,
    pub booked: &'static str,
    pub times_in: &'static str,
    pub with: &'static str,
    pub manage_link: &'static str,
    pub add_to_calendar: &'static str,
    pub your_booking: &'static str,
    pub confirmed: &'static str,
    pub cancelled: &'static str,
    pub cancel_booking: &'static str,
    pub choose_new_time: &'static str,
    pub moved: &'static str,
    pub booking_not_found: &'static str,
    pub enter_name: &'static str,
    pub enter_contact: &'static str,
    pub bad_email: &'static str,
    pub bad_phone: &'static str,
    pub long_notes: &'static str,
    pub unreachable: &'static str,
    pub no_page: &'static str,
    pub taken: &'static str,
    pub gone: &'static str,
    pub too_many: &'static str,
    pub went_wrong: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_page_then_the_org_then_the_browser_then_english() {
        let browser = langs(&["nl-BE", "en-US"]);
        assert_eq!(choose(Some("de"), Some("fr"), &browser).tag(), "de");
        assert_eq!(choose(None, Some("fr"), &browser).tag(), "fr");
        assert_eq!(choose(None, None, &browser).tag(), "nl-BE");
        assert_eq!(choose(None, None, &[]).tag(), "en");
        assert_eq!(
            choose(Some("it"), None, &langs(&["pt-BR", "es-MX"])).tag(),
            "es-MX",
            "unspoken ones are skipped"
        );
        assert_eq!(choose(Some(""), Some("xx"), &langs(&["ja"])).lang, Lang::En);
    }

    #[test]
    fn tags_are_read_leniently_and_written_safely() {
        assert_eq!(Locale::parse("DE_at").map(Locale::tag).as_deref(), Some("de-AT"));
        assert_eq!(Locale::parse("fr-CA-u-ca-gregory").map(Locale::tag).as_deref(), Some("fr-CA"));
        assert_eq!(Locale::parse("es-419").map(Locale::tag).as_deref(), Some("es"), "not two letters");
        assert_eq!(Locale::parse("nl-\"><script>").map(Locale::tag).as_deref(), Some("nl"));
        assert_eq!(Locale::parse("english"), None);
        assert_eq!(Locale::parse(""), None);
    }

    #[test]
    fn every_language_the_server_accepts_is_spoken() {
        for code in cadence_shared::LOCALES {
            assert_eq!(Locale::parse(code).map(|l| l.lang.code()), Some(code));
        }
        assert_eq!(Lang::ALL.len(), cadence_shared::LOCALES.len());
    }

    #[test]
    fn every_string_is_translated_and_the_seconds_have_a_place() {
        for lang in &Lang::ALL[1..] {
            let (en, other) = (Lang::En.text(), lang.text());
            for (a, b) in fields(en).iter().zip(fields(other)) {
                assert!(!b.is_empty(), "{lang:?}: empty string for {a:?}");
                let same_ok = ["Name", "E-mail", "min", "Service"];
                assert!(a != &b || same_ok.contains(a), "{lang:?} still says {a:?}");
            }
            assert_eq!(other.too_many.matches('#').count(), 1, "{lang:?}");
        }
    }

    fn fields(t: &Text) -> Vec<&'static str> {
        vec![
            t.page_title,
            t.loading,
            t.loading_services,
            t.loading_booking,
            t.finding_times,
            t.try_again,
            t.service,
            t.minutes,
            t.practitioner,
            t.any_practitioner,
            t.timezone,
            t.previous_month,
            t.next_month,
            t.open_times,
            t.no_times,
            t.your_details,
            t.name,
            t.email,
            t.phone,
            t.notes,
            t.book,
            t.move_here,
            t.sending,
            t.booked,
            t.times_in,
            t.with,
            t.manage_link,
            t.add_to_calendar,
            t.your_booking,
            t.confirmed,
            t.cancelled,
            t.cancel_booking,
            t.choose_new_time,
            t.moved,
            t.booking_not_found,
            t.enter_name,
            t.enter_contact,
            t.bad_email,
            t.bad_phone,
            t.long_notes,
            t.unreachable,
            t.no_page,
            t.taken,
            t.gone,
            t.too_many,
            t.went_wrong,
        ]
    }
}
