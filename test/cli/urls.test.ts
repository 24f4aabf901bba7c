import { describe, expect, test } from 'bun:test'
import { baseUrl, isLoopback, startupUrls } from '../../src/cli/urls'

describe('baseUrl', () => {
  test('wildcard binds are shown as localhost', () => {
    expect(baseUrl('0.0.0.0', 7860)).toBe('http://localhost:7860')
    expect(baseUrl('::', 7860)).toBe('http://localhost:7860')
  })

  test('IPv6 literals get brackets once; names and IPv4 stay as given', () => {
    expect(baseUrl('::1', 80)).toBe('http://[::1]:80')
    expect(baseUrl('[::1]', 80)).toBe('http://[::1]:80')
    expect(baseUrl('fe80::1', 9)).toBe('http://[fe80::1]:9')
    expect(baseUrl('127.0.0.1', 7861)).toBe('http://127.0.0.1:7861')
    expect(baseUrl('my-host.local', 1)).toBe('http://my-host.local:1')
  })
})

describe('startupUrls', () => {
  test('without a project: UI at /, write URL with the token and no slash before ?', () => {
    expect(startupUrls('http://localhost:7860', null, 'T0k')).toEqual({
      ui: 'http://localhost:7860/',
      write: 'http://localhost:7860?write_token=T0k',
    })
  })

  test('with a project: the project is put in as given (not encoded), as Trackio prints it', () => {
    expect(startupUrls('http://localhost:7860', 'my proj/ü', 'abc')).toEqual({
      ui: 'http://localhost:7860/?project=my proj/ü',
      write: 'http://localhost:7860?project=my proj/ü&write_token=abc',
    })
  })
})

describe('isLoopback', () => {
  test('localhost, ::1 (bare or bracketed) and all of 127/8 are loopback', () => {
    for (const h of ['localhost', '::1', '[::1]', '127.0.0.1', '127.1.2.3']) expect(isLoopback(h)).toBe(true)
  })

  test('wildcards, LAN addresses and look-alikes are not', () => {
    for (const h of ['0.0.0.0', '::', '192.168.1.2', '127.0.0', '127.0.0.1.evil.com', 'localhost.evil.com', '10.0.0.1'])
      expect(isLoopback(h)).toBe(false)
  })
})
