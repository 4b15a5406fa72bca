// Runs BSI's CSAF validator (strict schema + all mandatory tests) on one CSAF 2.0 document.
// Usage: node validate.mjs [FILE]   (no FILE: read the document from stdin)
// Exit 0 when valid; 1 with the findings on stderr when not; 2 when the input is not JSON.
import { readFileSync } from 'node:fs'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const source = process.argv[2] ?? '/dev/stdin'
let document
try {
  document = JSON.parse(readFileSync(source, 'utf8'))
} catch (error) {
  console.error(`${source}: not a JSON document: ${error.message}`)
  process.exit(2)
}

const tests = [csaf_2_0_strict, ...Object.values(mandatory)]
const result = await validateStrict(tests, document)
const failed = result.tests.filter((test) => !test.isValid || test.errors.length)
for (const test of failed) {
  for (const error of test.errors) {
    console.error(`${test.name}: ${error.instancePath || '/'}: ${error.message}`)
  }
}
console.log(`${source}: ${tests.length} tests, ${failed.length} failed`)
process.exit(result.isValid && failed.length === 0 ? 0 : 1)
