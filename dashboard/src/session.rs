//! Signing in and out: the log-in and sign-up forms, and the account screen (profile and
//! password). A session is the server's `cadence_session` cookie (HttpOnly, SameSite=Strict),
//! asked for with `"cookie": true`; what the app keeps is who is signed in (`Me`).

use crate::api::{self, Failure};
use crate::nav::{self, BASE, Link};
use crate::time;
use crate::ui::{Field, FormState, form_alert};
use cadence_shared::{
    ChangePasswordRequest, LoginRequest, MeResponse, SessionResponse, SignupRequest, UpdateProfileRequest,
};
use gloo_net::http::Method;
use leptos::prelude::*;

/// Who is signed in: `None` before the first answer of `/auth/me` or after signing out.
#[derive(Clone, Copy)]
pub struct Me(pub RwSignal<Option<MeResponse>>);

thread_local! {
    /// The app's one `Me` (set by `Me::provide`), reachable from async tasks too.
    static ME: std::cell::OnceCell<Me> = const { std::cell::OnceCell::new() };
}

pub fn me() -> Me {
    ME.with(|m| *m.get().expect("Me::provide ran when the app started"))
}

impl Me {
    pub fn provide() -> Me {
        let me = Me(RwSignal::new(None));
        ME.with(|m| m.set(me).ok());
        me
    }

    /// The org's IANA timezone (tracked), in which every time is shown.
    pub fn timezone(self) -> String {
        self.0.with(|m| m.as_ref().map(|m| m.org.timezone.clone())).unwrap_or_else(|| "UTC".into())
    }

    fn signed_in(self, session: SessionResponse) {
        self.0.set(Some(MeResponse { user: session.user, org: session.org }));
        let next = nav::location()
            .query("next")
            .filter(|n| n.starts_with(&format!("{BASE}/")) && !n.contains("//") && n.len() > BASE.len() + 1);
        nav::go(&next.unwrap_or_else(|| format!("{BASE}/bookings")));
    }
}

/// Who is signed in, asked of the server when the app starts.
pub async fn whoami() -> Result<MeResponse, Failure> {
    api::get("/api/v1/auth/me").await
}

/// The address of the log-in form that comes back to where the visitor was.
pub fn login_path() -> String {
    let here = nav::location().0.get_untracked();
    let back = if here.starts_with(&format!("{BASE}/login")) || here.starts_with(&format!("{BASE}/signup")) {
        String::new()
    } else {
        format!("?next={}", api::encode(&here))
    };
    format!("{BASE}/login{back}")
}

#[component]
pub fn Login() -> impl IntoView {
    let (email, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let form = FormState::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req =
            LoginRequest { email: email.get_untracked(), password: password.get_untracked(), cookie: true };
        form.run(
            async move { api::send::<SessionResponse>(Method::POST, "/api/v1/auth/login", &req).await },
            move |session| me().signed_in(session),
        );
    };
    let next =
        nav::location().query("next").map(|n| format!("?next={}", api::encode(&n))).unwrap_or_default();
    view! {
        <main class="auth" data-testid="login">
            <h1>"Log in to Cadence"</h1>
            <form on:submit=submit novalidate>
                <Field label="Email" name="email" value=email form kind="email" autocomplete="username" required=true/>
                <Field label="Password" name="password" value=password form kind="password" autocomplete="current-password" required=true/>
                {form_alert(form.general_error(&["email", "password"]))}
                <button type="submit" disabled=move || form.pending.get()>"Log in"</button>
            </form>
            <p>"New to Cadence? "<Link to=format!("{BASE}/signup{next}")>"Create an account"</Link></p>
        </main>
    }
}

#[component]
pub fn Signup() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let business = RwSignal::new(String::new());
    let timezone = RwSignal::new(time::browser_timezone());
    let (email, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let form = FormState::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = SignupRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
            display_name: name.get_untracked(),
            org_name: business.get_untracked(),
            org_slug: None,
            timezone: timezone.get_untracked(),
            cookie: true,
        };
        form.run(
            async move { api::send::<SessionResponse>(Method::POST, "/api/v1/auth/signup", &req).await },
            move |session| me().signed_in(session),
        );
    };
    const FIELDS: &[&str] = &["display_name", "org_name", "org_slug", "timezone", "email", "password"];
    view! {
        <main class="auth" data-testid="signup">
            <h1>"Create your Cadence account"</h1>
            <form on:submit=submit novalidate>
                <Field label="Your name" name="display_name" value=name form autocomplete="name" required=true/>
                <Field label="Business name" name="org_name" value=business form autocomplete="organization" required=true/>
                <Field label="Timezone" name="timezone" value=timezone form hint="An IANA name such as Europe/Berlin; bookings are shown in it." required=true/>
                <Field label="Email" name="email" value=email form kind="email" autocomplete="username" required=true/>
                <Field label="Password" name="password" value=password form kind="password" autocomplete="new-password" hint="At least 10 characters." required=true/>
                {form_alert(form.general_error(FIELDS))}
                <button type="submit" disabled=move || form.pending.get()>"Create account"</button>
            </form>
            <p>"Have an account? "<Link to=format!("{BASE}/login")>"Log in"</Link></p>
        </main>
    }
}

/// Ends the session on the server (which clears the cookie), then shows the log-in form.
pub fn log_out() {
    leptos::task::spawn_local(async move {
        let _ = api::send_empty(Method::POST, "/api/v1/auth/logout", None).await;
        me().0.set(None);
        nav::go(&format!("{BASE}/login"));
    });
}

/// The signed-in person's profile and password.
#[component]
pub fn Account() -> impl IntoView {
    let who = me();
    let user = who.0.get_untracked().map(|m| m.user);
    let name = RwSignal::new(user.as_ref().map(|u| u.display_name.clone()).unwrap_or_default());
    let email = RwSignal::new(user.as_ref().map(|u| u.email.clone()).unwrap_or_default());
    let confirm = RwSignal::new(String::new());
    let profile = FormState::new();
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let old = who.0.get_untracked().map(|m| m.user.email).unwrap_or_default();
        let new_email = email.get_untracked();
        let changed = new_email.trim() != old;
        let req = UpdateProfileRequest {
            display_name: Some(name.get_untracked()),
            email: changed.then_some(new_email),
            current_password: Some(confirm.get_untracked()).filter(|p| changed && !p.is_empty()),
        };
        saved.set(false);
        profile.run(
            async move { api::send::<MeResponse>(Method::PATCH, "/api/v1/auth/me", &req).await },
            move |m| {
                who.0.set(Some(m));
                confirm.set(String::new());
                saved.set(true);
            },
        );
    };
    let (current, new) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let password = FormState::new();
    let changed = RwSignal::new(false);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        changed.set(false);
        password.run(
            async move { api::send_empty(Method::PUT, "/api/v1/auth/password", Some(&req)).await },
            move |()| {
                current.set(String::new());
                new.set(String::new());
                changed.set(true);
            },
        );
    };
    view! {
        <section data-testid="account">
            <h1>"Account"</h1>
            <form on:submit=save novalidate aria-labelledby="profile-h">
                <h2 id="profile-h">"Profile"</h2>
                <Field label="Your name" name="display_name" value=name form=profile autocomplete="name"/>
                <Field label="Email" name="email" value=email form=profile kind="email" autocomplete="email"/>
                <Field label="Current password (to change the e-mail address)" name="current_password" value=confirm form=profile kind="password" autocomplete="current-password"/>
                {form_alert(profile.general_error(&["display_name", "email", "current_password"]))}
                {move || saved.get().then(|| view! { <p role="status" class="ok">"Profile saved."</p> })}
                <button type="submit" disabled=move || profile.pending.get()>"Save profile"</button>
            </form>
            <form on:submit=change novalidate aria-labelledby="password-h">
                <h2 id="password-h">"Password"</h2>
                <Field label="Current password" name="current_password" value=current form=password kind="password" autocomplete="current-password"/>
                <Field label="New password" name="new_password" value=new form=password kind="password" autocomplete="new-password"/>
                {form_alert(password.general_error(&["current_password", "new_password"]))}
                {move || changed.get().then(|| view! { <p role="status" class="ok">"Password changed; other sessions were signed out."</p> })}
                <button type="submit" disabled=move || password.pending.get()>"Change password"</button>
            </form>
        </section>
    }
}
