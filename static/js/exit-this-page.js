// Quick exit for the public pages. The button, and Shift pressed three times, leave for a neutral
// site with location.replace(), so this page's history entry is replaced and Back does not return
// here. Without JavaScript the button is a plain link to the same site.
const container = document.querySelector("[data-module='app-exit-this-page']");
const button = container && container.querySelector(".govuk-exit-this-page__button");

if (button) {
  // Said only where it works: the sentence is hidden in the page and shown by this script.
  document.querySelectorAll("[data-app-needs-javascript]").forEach((element) => {
    element.hidden = false;
  });

  const status = document.createElement("span");
  status.className = "govuk-visually-hidden";
  status.setAttribute("role", "status");
  container.appendChild(status);

  const indicator = document.createElement("div");
  indicator.className = "govuk-exit-this-page__indicator";
  indicator.setAttribute("aria-hidden", "true");
  for (let i = 0; i < 3; i += 1) {
    const light = document.createElement("div");
    light.className = "govuk-exit-this-page__indicator-light";
    indicator.appendChild(light);
  }
  button.appendChild(indicator);

  let presses = 0;
  let timer = null;
  let lastKeyWasModified = false;

  const showPresses = () => {
    indicator.classList.toggle("govuk-exit-this-page__indicator--visible", presses > 0);
    indicator.querySelectorAll(".govuk-exit-this-page__indicator-light").forEach((light, index) => {
      light.classList.toggle("govuk-exit-this-page__indicator-light--on", index < presses);
    });
  };

  const leave = () => {
    document.body.classList.add("govuk-exit-this-page-hide-content");
    const overlay = document.createElement("div");
    overlay.className = "govuk-exit-this-page-overlay";
    overlay.setAttribute("role", "alert");
    overlay.textContent = "Loading.";
    document.body.appendChild(overlay);
    window.location.replace(button.href);
  };

  const reset = () => {
    presses = 0;
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    status.textContent = "";
    showPresses();
  };

  button.addEventListener("click", (event) => {
    event.preventDefault();
    leave();
  });

  document.addEventListener(
    "keyup",
    (event) => {
      if (event.key === "Shift" && !lastKeyWasModified) {
        presses += 1;
        showPresses();
        if (timer) window.clearTimeout(timer);
        if (presses >= 3) {
          reset();
          leave();
        } else {
          status.textContent =
            presses === 1 ? "Shift, press 2 more times to exit." : "Shift, press 1 more time to exit.";
          timer = window.setTimeout(reset, 5000);
        }
      } else if (timer) {
        reset();
      }
      lastKeyWasModified = event.shiftKey;
    },
    true,
  );

  // A page kept whole in the back-forward cache would come back with what was typed: empty
  // the forms as the page is left, whichever way it is left.
  window.addEventListener("pagehide", () => {
    document.querySelectorAll("form").forEach((form) => form.reset());
  });

  // Coming back through the browser's cache: show the page again.
  window.addEventListener("pageshow", () => {
    document.body.classList.remove("govuk-exit-this-page-hide-content");
    document.querySelectorAll(".govuk-exit-this-page-overlay").forEach((o) => o.remove());
    reset();
  });
}
