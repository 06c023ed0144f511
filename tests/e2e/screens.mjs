// What an agent does in the window, shared by the end-to-end tests and the app's benchmark, and
// the screenshots the tests save.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots go: $DESK_SCREENSHOT_DIR, or test-output/screenshots. */
export const screenshotDir = path.resolve(repo, process.env.DESK_SCREENSHOT_DIR ?? 'test-output/screenshots');

/**
 * Saves the window as `name`.png in the screenshot folder, checks it is a PNG of the whole
 * window, prints its path and resolves to its size in bytes.
 */
export async function saveScreenshot(session, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  rmSync(file, { force: true });
  const { width, height } = await session.screenshot(file);
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [width, height], 'the window, whole');
  console.log(`screenshot: ${file}`);
  return png.length;
}

/** Customer `id`'s surname as the signed-in role sees it, asked through the app itself. */
export async function surnameOf(session, id) {
  const answer = await session.executeAsync(
    `const done = arguments[1];
     window.__TAURI_INTERNALS__.invoke('open_customer', { id: arguments[0] }).then(done, (e) => done(e));`,
    [id],
  );
  // The answer is a customer record: name only what went wrong, never the record.
  if (!answer?.value?.name) throw new Error(`customer ${id} could not be read: ${answer?.code ?? answer?.source ?? 'no answer'}`);
  return answer.value.name.split(' ').pop();
}

/**
 * Types customer `id`'s surname into the search field and moves the selection onto them with
 * the arrow key, the way an agent would; Enter is left to the caller. Resolves to the search
 * field and the surname.
 */
export async function selectFromSearch(session, id) {
  const input = await session.find('[data-testid="search-input"]', { timeoutMs: 30_000 });
  const surname = await surnameOf(session, id);
  await session.type(input, surname);
  // The results of the whole surname, not of a prefix typed on the way (each keystroke may
  // start a search on a slow machine).
  await session.find(`[data-query=${JSON.stringify(surname)}] [data-customer="${id}"]`, { timeoutMs: 10_000 });
  for (let i = 0; i < 40; i++) {
    await session.type(input, '\uE015');
    if ((await session.findAll(`[aria-selected="true"][data-customer="${id}"]`)).length > 0) {
      return { input, surname };
    }
  }
  throw new Error(`customer ${id} is not among the results for ${surname}`);
}

/** The text of the first element matching `css`, read afresh (the page may re-render meanwhile). */
export async function readText(session, css, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await session.text(await session.find(css, { timeoutMs }));
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
