// One realtime conversation through the official `openai` npm SDK's WebSocket client.
//
// Reads a JSON scenario on stdin, prints every server event as one JSON line on stdout (audio
// payloads replaced by their decoded byte count), exits 0 when the conversation finished,
// 2 on a timeout, 1 on a client error. The Python test asserts on the printed events.
//
// Scenario: { dialect: "ga"|"preview", endpoint, deployment, apiVersion, auth: "key"|"entra",
//             credential, turn: "text"|"audio"|"tool", text, audioBase64, chunkBytes,
//             session, toolOutput, timeoutMs }
import OpenAI, { AzureOpenAI } from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

const scenario = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

const AUDIO_EVENTS = new Set(['response.audio.delta', 'response.output_audio.delta']);
const waiters = [];
const seen = [];

function print(event) {
  const shown = AUDIO_EVENTS.has(event.type)
    ? { ...event, delta: undefined, delta_bytes: Buffer.from(event.delta, 'base64').length }
    : event;
  process.stdout.write(JSON.stringify(shown) + '\n');
}

function waitFor(predicate, what) {
  const found = seen.find(predicate);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => waiters.push({ predicate, resolve, what }));
}

async function openClient() {
  // Entra: the token is handed to the SDK through its provider hooks, as apps do with
  // @azure/identity's getBearerTokenProvider.
  const provider = async () => scenario.credential;
  if (scenario.dialect === 'ga') {
    const client = new OpenAI({
      baseURL: scenario.endpoint.replace(/\/+$/, '') + '/openai/v1',
      apiKey: scenario.auth === 'entra' ? provider : scenario.credential,
    });
    return OpenAIRealtimeWS.create(client, { model: scenario.deployment });
  }
  const client = new AzureOpenAI({
    endpoint: scenario.endpoint,
    apiVersion: scenario.apiVersion,
    deployment: scenario.deployment,
    ...(scenario.auth === 'entra' ? { azureADTokenProvider: provider } : { apiKey: scenario.credential }),
  });
  return OpenAIRealtimeWS.azure(client, { deploymentName: scenario.deployment });
}

function userText(text) {
  return {
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  };
}

async function main() {
  const rt = await openClient();
  rt.on('error', (err) => process.stdout.write(JSON.stringify({ type: 'client.error', message: String(err.message) }) + '\n'));
  rt.on('event', (event) => {
    seen.push(event);
    print(event);
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      if (waiters[i].predicate(event)) { waiters[i].resolve(event); waiters.splice(i, 1); }
    }
  });
  await new Promise((resolve, reject) => {
    rt.socket.on('open', resolve);
    rt.socket.on('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    rt.socket.on('error', reject);
  });
  await waitFor((e) => e.type === 'session.created', 'session.created');
  rt.send({ type: 'session.update', session: scenario.session });
  await waitFor((e) => e.type === 'session.updated' || e.type === 'error', 'session.updated');

  if (scenario.turn === 'audio') {
    const pcm = Buffer.from(scenario.audioBase64, 'base64');
    for (let at = 0; at < pcm.length; at += scenario.chunkBytes) {
      rt.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(at, at + scenario.chunkBytes).toString('base64') });
    }
    // Server VAD answers on its own once speech stops (the clip ends in silence).
  } else {
    rt.send(userText(scenario.text));
    rt.send({ type: 'response.create' });
  }
  const first = await waitFor((e) => e.type === 'response.done', 'response.done');

  if (scenario.turn === 'tool') {
    const call = (first.response.output || []).find((item) => item.type === 'function_call');
    if (call) {
      rt.send({
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify(scenario.toolOutput) },
      });
      rt.send({ type: 'response.create' });
      await waitFor((e) => e.type === 'response.done' && e !== first, 'second response.done');
    }
  }
  rt.close();
  process.exit(0);
}

setTimeout(() => {
  process.stdout.write(JSON.stringify({ type: 'client.timeout', waiting_for: waiters.map((w) => w.what) }) + '\n');
  process.exit(2);
}, scenario.timeoutMs ?? 60000);

main().catch((err) => {
  process.stdout.write(JSON.stringify({ type: 'client.error', message: String(err && err.message) }) + '\n');
  process.exit(1);
});
