// One reconnecting, versioned socket for every live page (docs/live-protocol.md).
// The server sends a `snapshot` on connect, then each committed change with a `version` one
// more than the last; a change is applied only when it is the next one, otherwise the page
// asks `{"type":"resync","version":last}` and gets the missed changes in order (or a fresh
// snapshot). A heartbeat with a newer version reveals a change that never arrived. On close
// the socket reconnects with jittered exponential backoff (0.5 s, 1 s, 2 s … 30 s, ±50 %).

export function followStream(path, {
  version = null, // the version the server-rendered page shows, if it says
  onSnapshot = () => {}, // (message) the whole state, or for list pages: read it again
  onMessage = () => {}, // (message) the next change, in order
  onAny = () => {}, // (message) everything, after the above
  onOpen = () => {},
  onClose = () => {},
  onRetry = () => {}, // (attempts, everOpened) before each reconnect, e.g. to start polling
  stopCodes = [4403, 4404], // closed for good: unknown or forbidden
} = {}) {
  let last = version;
  let socket = null;
  let attempts = 0;
  let everOpened = false;
  let timer = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function resync() {
    if (last !== null) send({ type: "resync", version: last });
  }

  function handle(message) {
    if (message.type === "snapshot") {
      last = message.version;
      onSnapshot(message);
    } else if (message.type === "heartbeat") {
      if (last !== null && message.version > last) resync();
    } else if (typeof message.version === "number" && message.type !== "pong") {
      if (last !== null && message.version <= last) return;
      if (last === null || message.version === last + 1) {
        last = message.version;
        onMessage(message);
      } else {
        resync();
      }
    }
    onAny(message);
  }

  function connect() {
    clearTimeout(timer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    try {
      socket = new WebSocket(`${scheme}://${location.host}${path}`);
    } catch (err) {
      retry();
      return;
    }
    socket.addEventListener("open", () => {
      attempts = 0;
      everOpened = true;
      onOpen();
    });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; /* a bad frame */ }
      handle(message);
    });
    socket.addEventListener("close", (event) => {
      onClose(event);
      if (stopCodes.includes(event.code)) return;
      retry();
    });
  }

  function retry() {
    attempts += 1;
    const base = Math.min(30000, 500 * 2 ** Math.min(attempts - 1, 6));
    onRetry(attempts, everOpened);
    timer = setTimeout(connect, base * (0.5 + Math.random()));
  }

  if ("WebSocket" in window) {
    connect();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && socket && socket.readyState > 1) connect();
    });
  } else {
    queueMicrotask(() => onRetry(Infinity, false)); // after the caller holds the handle
  }

  return {
    get version() { return last; },
    set version(value) { last = value; }, // the polling fallback moved the page on
    resync,
    get socket() { return socket; },
  };
}
