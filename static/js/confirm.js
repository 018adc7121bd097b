// Destructive buttons ask twice, right where the finger is: the first tap turns the button
// into its own confirmation ("한 번 더 누르면 품절"), a second tap within 5 s does it, and the
// button goes back by itself otherwise. The form's data-confirm holds the confirming words.
// Without JavaScript the form posts as before. Runs in the capture phase, so page scripts
// that post a form themselves (owner.js) only see the confirmed tap.

const ARM_MS = 5000;
let say = null;

function announce(text) {
  if (!say) {
    say = document.createElement("div");
    say.className = "sr-only";
    say.setAttribute("role", "status");
    document.body.append(say);
  }
  say.textContent = text;
}

function disarm(form) {
  const button = form.querySelector("[data-confirm-armed]");
  if (button) {
    button.textContent = button.dataset.confirmLabel;
    button.classList.remove("is-armed");
    delete button.dataset.confirmArmed;
  }
  clearTimeout(Number(form.dataset.confirmTimer));
  delete form.dataset.confirmTimer;
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (form.querySelector("[data-confirm-armed]")) {
    disarm(form); // confirmed: let the submit through
    return;
  }
  event.preventDefault();
  event.stopImmediatePropagation();
  const button = event.submitter || form.querySelector("button");
  if (!button) return;
  button.dataset.confirmLabel = button.textContent;
  button.dataset.confirmArmed = "1";
  button.textContent = form.dataset.confirm;
  button.classList.add("is-armed");
  announce(form.dataset.confirm);
  form.dataset.confirmTimer = String(setTimeout(() => disarm(form), ARM_MS));
}, true);
