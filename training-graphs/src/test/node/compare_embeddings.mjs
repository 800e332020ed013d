// Runs the encoders exported by sdk's InferenceExportTest in Node's onnxruntime-node and compares their
// embeddings with the ones Java computed. Usage: node compare_embeddings.mjs <fixture directory>
// (default ../../../../sdk/target/node-fixture). Exits with 1 if any entry differs by 1e-4 or more.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const TOLERANCE = 1e-4;
const dir = process.argv[2] ?? '../../../../sdk/target/node-fixture';
const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8'));

/** The little-endian file as a typed array (copied, so that it is aligned). */
function read(name, ArrayType) {
  const bytes = readFileSync(join(dir, name));
  return new ArrayType(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

async function embed(model, input, tensor, output) {
  const session = await ort.InferenceSession.create(join(dir, model));
  const result = await session.run({ [input]: tensor });
  return result[output].data;
}

function worstDifference(actual, expected) {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length}, expected ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return worst;
}

const { batch, image_size: size, context_length: context } = fixture;
const pixels = new ort.Tensor('float32', read('pixels.bin', Float32Array), [batch, 3, size, size]);
const ids = new ort.Tensor('int64', read('input_ids.bin', BigInt64Array), [batch, context]);
const checks = [
  ['image_encoder.onnx', 'pixels', pixels, 'image_embeds'],
  ['text_encoder.onnx', 'input_ids', ids, 'text_embeds'],
];
let failed = false;
for (const [model, input, tensor, output] of checks) {
  const worst = worstDifference(await embed(model, input, tensor, output), read(`${output}.bin`, Float32Array));
  console.log(`${output}: onnxruntime-node vs Java, max |diff| ${worst.toExponential(1)}`);
  failed ||= !(worst < TOLERANCE);
}
process.exit(failed ? 1 : 0);
