import { describe, expect, test } from 'bun:test'
import { formatTick, niceTicks, plotPng, plotSvg } from '../../src/analysis/plot'

/** Reads width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): [number, number] {
  const v = new DataView(png.buffer, png.byteOffset)
  return [v.getUint32(16), v.getUint32(20)]
}

describe('ticks', () => {
  test('1/2/5 steps covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10])
    expect(niceTicks(0.12, 0.49, 4)).toEqual([0.2, 0.3, 0.4])
    expect(niceTicks(3, 3)).toEqual([3])
  })
  test('labels are short and free of float noise', () => {
    expect([0, 0.30000000000000004, 250000, 1e-5, 12, -2.5e7].map(formatTick)).toEqual(['0', '0.3', '250k', '1e-5', '12', '-2.5e7'])
  })
})

describe('plotSvg', () => {
  test('one path per series, broken at NaN/null, with title, axis label and legend', () => {
    const svg = plotSvg(
      [
        { label: 'a <run>', color: '#3B82F6', xs: [0, 1, 2, 3, 4], ys: [1, 2, NaN, 4, 5] },
        { label: 'b', color: '#EF4444', xs: [0, 1], ys: [null, 3] },
      ],
      { title: 'loss & acc', xLabel: 'step' },
    )
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!)
    expect(paths).toHaveLength(2)
    expect(paths[0]!.match(/M/g)).toHaveLength(2)
    expect(svg).toContain('loss &#38; acc')
    expect(svg).toContain('a &#60;run&#62;')
    expect(svg).toContain('>step</text>')
  })
  test('log scale drops values ≤ 0; an empty chart says so', () => {
    const svg = plotSvg([{ label: 'a', color: '#000', xs: [0, 1, 2], ys: [0, 10, 100] }], { title: 't', xLabel: 'step', logY: true })
    expect([...svg.matchAll(/<path d="([^"]+)"/g)][0]![1]!.match(/[ML]/g)).toHaveLength(2)
    expect(plotSvg([], { title: 't', xLabel: 'step' })).toContain('no data')
  })
})

describe('plotPng', () => {
  test('an 800×400 PNG (size read from its header), any size on request', async () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i)
    const png = await plotPng([{ label: 'loss', color: '#ff0000', xs, ys: xs.map((x) => Math.exp(-x / 300)) }], { title: 'loss', xLabel: 'step' })
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    expect(pngSize(png)).toEqual([800, 400])
    const wide = await plotPng([], { title: 'empty', xLabel: 'step', width: 1200, height: 300 })
    expect(pngSize(wide)).toEqual([1200, 300])
  })
})
