import { expect, test } from 'bun:test'
import { formatBytes, formatIso, formatNumber, formatValue } from '../../src/web/format'

test('numbers: integers as they are, fractions to 5 significant digits, very large/small in exponent form', () => {
  expect(formatNumber(149)).toBe('149')
  expect(formatNumber(0.123456789)).toBe('0.12346')
  expect(formatNumber(3e-4)).toBe('3e-4')
  expect(formatNumber(12345678)).toBe('1.235e+7')
  expect(formatNumber(0)).toBe('0')
  expect(formatNumber(null)).toBe('—')
  expect(formatNumber(Infinity)).toBe('∞')
  expect(formatNumber(-Infinity)).toBe('−∞')
})

test('values, times and sizes', () => {
  expect(formatValue(['cnn', 'baseline'])).toBe('["cnn","baseline"]')
  expect(formatValue('adam')).toBe('adam')
  expect(formatValue(undefined)).toBe('—')
  expect(formatIso(null)).toBe('—')
  expect(formatIso('not a time')).toBe('not a time')
  expect(formatIso('2026-11-25T04:40:13.997704+00:00')).toMatch(/2026/)
  expect(formatBytes(512)).toBe('512 B')
  expect(formatBytes(2048)).toBe('2.0 KB')
  expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MB')
})
