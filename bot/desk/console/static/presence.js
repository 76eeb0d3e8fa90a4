/* omnibot agent console: away and back. A console left idle (no key, click, pointer or scroll in
 * the page) or hidden (another tab, minimised) for AWAY_AFTER says its agent is away; the first
 * sign of life says they are back. The server keeps the state with the console's presence, and
 * other agents' transfer dialogs mark them "away (may not answer soon)". See docs/agents.md.
 */
(() => {
  "use strict";

  const desk = window.omnibotConsole;
  const AWAY_AFTER = 5 * 60 * 1000;
  const CHECK_EVERY = 15 * 1000;
  const ACTIVITY = ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "focus"];
  let lastActive = Date.now();
  let hiddenSince = document.hidden ? Date.now() : null;
  let state = "online";

  function become(next) {
    if (next === state) return;
    state = next;
    desk.say({ type: "presence", state });
  }

  function active() {
    lastActive = Date.now();
    if (!document.hidden) become("online");
  }

  function check() {
    const now = Date.now();
    const idle = now - lastActive >= AWAY_AFTER;
    const hidden = hiddenSince !== null && now - hiddenSince >= AWAY_AFTER;
    if (idle || hidden) become("away");
  }

  for (const name of ACTIVITY) window.addEventListener(name, active, { capture: true, passive: true });
  document.addEventListener("visibilitychange", () => {
    hiddenSince = document.hidden ? Date.now() : null;
    if (!document.hidden) active();
  });
  // A new socket starts online: say away again if the agent still is.
  document.addEventListener("console:live", () => { if (state === "away") desk.say({ type: "presence", state }); });
  setInterval(check, CHECK_EVERY);
})();
