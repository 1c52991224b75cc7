/** The hosted inspector UI; the bridge page embeds it and feeds it what the daemon sends. */
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

/**
 * The page served at `/`: embeds the Stately inspector and relays inspection events to it
 * from this server's WebSocket, on whatever host and port the browser reached it by (an SSH
 * tunnel may map the port). It speaks the protocol of @statelyai/inspect's own server page:
 * events are held until the inspector posts `@statelyai.connected`. When the daemon goes
 * away the page waits for it and reloads, so a restart starts a clean session.
 */
export function bridgePage(inspectorUrl: string = STATELY_INSPECTOR_URL): string {
  const src = JSON.stringify(inspectorUrl);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>podwarden · Stately inspector</title>
<style>
  html, body { height: 100%; margin: 0; }
  iframe { width: 100%; height: 100%; border: none; }
  #status { position: fixed; top: 0; left: 0; right: 0; padding: 6px 12px; font: 13px sans-serif;
            background: #fefcbf; color: #744210; display: none; }
</style>
</head>
<body>
<div id="status"></div>
<iframe id="inspector" title="Stately inspector"></iframe>
<script>
  const iframe = document.getElementById('inspector');
  const status = document.getElementById('status');
  const pending = [];
  let connected = false;
  window.addEventListener('message', (message) => {
    if (message.source !== iframe.contentWindow) return;
    if (message.data && message.data.type === '@statelyai.connected') {
      connected = true;
      for (const event of pending.splice(0)) iframe.contentWindow.postMessage(event, '*');
    }
  });
  iframe.src = ${src};
  function show(text) {
    status.textContent = text;
    status.style.display = text ? 'block' : 'none';
  }
  function connect(reloadOnOpen) {
    const socket = new WebSocket('ws://' + location.host + '/');
    socket.onopen = () => {
      if (reloadOnOpen) location.reload();
      show('');
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (connected) iframe.contentWindow.postMessage(event, '*');
      else pending.push(event);
    };
    socket.onclose = () => {
      show('podwarden is not answering (stopped or restarting); reconnecting...');
      setTimeout(() => connect(true), 2000);
    };
  }
  connect(false);
</script>
</body>
</html>
`;
}
