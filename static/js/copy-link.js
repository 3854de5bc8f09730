/* "Copy link" on the invitation page (templates/staff/invitation_link.html).
 *
 * The button stays hidden without JavaScript: the link is then selected and copied by
 * hand from its box. The clipboard API needs a secure page (https, or 127.0.0.1 in
 * development); where it is missing or refused, the link is selected instead and the
 * message says so.
 */
(function () {
  "use strict";

  function selectAll(box) {
    box.focus();
    box.select();
    box.setSelectionRange(0, box.value.length);
  }

  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var box = document.getElementById(button.getAttribute("data-copy-from"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!box || !status) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      function copiedByHand() {
        selectAll(box);
        var done = false;
        try {
          done = document.execCommand("copy");
        } catch (error) {
          done = false;
        }
        status.textContent = done
          ? "Copied. Paste it into a private message."
          : "The link is selected: copy it with your device's Copy command.";
      }
      if (!navigator.clipboard || !window.isSecureContext) {
        copiedByHand();
        return;
      }
      navigator.clipboard.writeText(box.value).then(function () {
        status.textContent = "Copied. Paste it into a private message.";
      }, copiedByHand);
    });
  });
})();
