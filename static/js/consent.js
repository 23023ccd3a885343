// Cookie banner: with JavaScript the choice is saved without leaving the page.
// Without JavaScript the same forms post to /privacy/consent/ and redirect back.
(function () {
  "use strict";
  function onSubmit(event) {
    var form = event.target.closest("[data-consent-form]");
    if (!form || !window.fetch) { return; }
    var submitter = event.submitter;
    if (!submitter) { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.set("action", submitter.value);
    // getAttribute: the buttons are named "action", which shadows form.action.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("consent " + response.status); }
      var banner = document.getElementById("consent-banner");
      if (banner) { banner.remove(); }
    }).catch(function () {
      // Fall back to the plain form post (submit() fires no submit event).
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "action";
      input.value = submitter.value;
      form.appendChild(input);
      form.submit();
    });
  }
  document.addEventListener("submit", onSubmit);
})();
