/*
 * Cadence embed: put the booking widget on any page with
 *   <div data-cadence-org="movela" data-service="svc_…" data-color="#0f766e" data-locale="de"></div>
 *   <script src="https://YOUR-CADENCE-SERVER/widget/embed.js" async></script>
 * (all but data-cadence-org optional; data-locale: en, de, fr, es or nl, else the org's
 * default language, else the visitor's browser languages).
 * Each placeholder gets an iframe of the org's booking page that resizes to its content.
 * When a booking is made, the placeholder dispatches a bubbling DOM event
 *   "cadence:booked" with detail { id, start, end, service_id, practitioner_id }.
 */
(function () {
  var script = document.currentScript;
  // The iframe's accessible name, in the placeholder's language (data-title overrides).
  var TITLES = {
    en: "Book an appointment",
    de: "Termin buchen",
    fr: "Prendre rendez-vous",
    es: "Reservar una cita",
    nl: "Afspraak maken"
  };
  var origin = new URL(script ? script.src : location.href).origin;
  function mount(el) {
    if (el.getAttribute("data-cadence-mounted")) return;
    el.setAttribute("data-cadence-mounted", "1");
    var query = new URLSearchParams({ embed: "1" });
    if (el.dataset.service) query.set("service", el.dataset.service);
    if (el.dataset.color) query.set("color", el.dataset.color);
    if (el.dataset.locale) query.set("locale", el.dataset.locale);
    var frame = document.createElement("iframe");
    frame.src = origin + "/" + encodeURIComponent(el.dataset.cadenceOrg) + "?" + query.toString();
    frame.title = el.dataset.title || TITLES[(el.dataset.locale || "").slice(0, 2).toLowerCase()] || TITLES.en;
    frame.style.cssText = "width:100%;border:0;display:block;min-height:420px";
    el.appendChild(frame);
    window.addEventListener("message", function (e) {
      if (e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
      if (e.data.type === "cadence:resize") frame.style.height = e.data.height + "px";
      if (e.data.type === "cadence:booked") {
        el.dispatchEvent(new CustomEvent("cadence:booked", { bubbles: true, detail: e.data.booking }));
      }
    });
  }
  function mountAll() {
    document.querySelectorAll("[data-cadence-org]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
