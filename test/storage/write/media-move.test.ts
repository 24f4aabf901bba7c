import { describe, expect, test } from 'bun:test'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { applySteps, planMediaMove, refuseLinks, rollBack, rollForward, safeMediaName } from '../../../src/storage/write/media-move'
import { tempDir } from '../../helpers'

/** A media root holding `files` (relative path → content). */
function mediaRoot(files: Record<string, string>): string {
  const root = join(tempDir(), 'media', 'proj')
  mkdirSync(root, { recursive: true })
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

/** Every file below root as relative path → content, sorted. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of (readdirSync(root, { recursive: true }) as string[]).sort()) {
    try {
      out[f] = readFileSync(join(root, f), 'utf8')
    } catch {}
  }
  return out
}

describe('safeMediaName', () => {
  test('names usable as folders below the media root', () => {
    for (const ok of ['run', 'a/b', 'run with spaces', 'ünïcødé-🚀', '..a', 'a..']) expect(safeMediaName(ok)).toBe(true)
    for (const bad of ['', '..', '.', 'a/../b', '/abs', 'a//b', 'a/', 'x\0y']) expect(safeMediaName(bad)).toBe(false)
  })
})

describe('planMediaMove + applySteps', () => {
  test('a plain rename is one step; nothing changes until applied', () => {
    const root = mediaRoot({ 'old/0/a.png': 'A' })
    const steps = planMediaMove(root, join(root, 'old'), join(root, 'new'), 'h')
    expect(steps).toEqual([{ op: 'rename', src: join(root, 'old'), dst: join(root, 'new') }])
    expect(tree(root)).toEqual({ 'old/0/a.png': 'A' })
    applySteps(steps)
    expect(tree(root)).toEqual({ 'new/0/a.png': 'A' })
  })

  test('a missing source plans nothing', () => {
    const root = mediaRoot({})
    expect(planMediaMove(root, join(root, 'none'), join(root, 'x'), 'h')).toEqual([])
  })

  test('missing parents of the target are created', () => {
    const root = mediaRoot({ 'old/0/a.png': 'A' })
    applySteps(planMediaMove(root, join(root, 'old'), join(root, 'team', 'new'), 'h'))
    expect(tree(root)).toEqual({ 'team/new/0/a.png': 'A' })
  })

  test('into a folder inside itself: hops through a sibling', () => {
    const root = mediaRoot({ 'a/0/x.png': 'X' })
    const steps = planMediaMove(root, join(root, 'a'), join(root, 'a', 'b'), 'h1')
    expect(steps[0]).toEqual({ op: 'rename', src: join(root, 'a'), dst: join(root, 'a.rename-h1') })
    applySteps(steps)
    expect(tree(root)).toEqual({ 'a/b/0/x.png': 'X' })
  })

  test('an existing target is merged into; a file present in both is refused before anything moves', () => {
    const root = mediaRoot({ 'old/0/a.png': 'A', 'old/1/b.png': 'B', 'new/0/c.png': 'C' })
    applySteps(planMediaMove(root, join(root, 'old'), join(root, 'new'), 'h'))
    expect(tree(root)).toEqual({ 'new/0/a.png': 'A', 'new/0/c.png': 'C', 'new/1/b.png': 'B' })
    const clash = mediaRoot({ 'old/0/a.png': 'A1', 'new/0/a.png': 'A2' })
    expect(() => planMediaMove(clash, join(clash, 'old'), join(clash, 'new'), 'h')).toThrow('Cannot move media: proj/new/0/a.png exists for both runs')
    expect(tree(clash)).toEqual({ 'new/0/a.png': 'A2', 'old/0/a.png': 'A1' })
  })

  test('a target that is a file is refused', () => {
    const root = mediaRoot({ 'old/0/a.png': 'A', new: 'file' })
    expect(() => planMediaMove(root, join(root, 'old'), join(root, 'new'), 'h')).toThrow(BadRequestError)
  })
})

describe('refuseLinks', () => {
  test('a symbolic link anywhere on the path is refused', () => {
    const root = mediaRoot({ 'real/0/a.png': 'A' })
    const outside = tempDir()
    symlinkSync(outside, join(root, 'link'))
    expect(() => refuseLinks(root, join(root, 'link', 'x'))).toThrow('Cannot move media: proj/link is a symbolic link')
    expect(() => planMediaMove(root, join(root, 'link'), join(root, 'new'), 'h')).toThrow(BadRequestError)
    expect(() => refuseLinks(root, join(root, 'real', '0'))).not.toThrow()
    expect(() => refuseLinks(root, join(root, 'missing', 'deeper'))).not.toThrow()
  })
})

describe('rollForward / rollBack', () => {
  test('a plan cut off part way can be finished or undone', () => {
    const files = { 'old/0/a.png': 'A', 'old/1/b.png': 'B', 'new/0/c.png': 'C' }
    const forward = mediaRoot(files)
    const plan = planMediaMove(forward, join(forward, 'old'), join(forward, 'new'), 'h')
    expect(plan.length).toBeGreaterThan(2)
    applySteps(plan.slice(0, 1))
    rollForward(plan)
    expect(tree(forward)).toEqual({ 'new/0/a.png': 'A', 'new/0/c.png': 'C', 'new/1/b.png': 'B' })

    const back = mediaRoot(files)
    const plan2 = planMediaMove(back, join(back, 'old'), join(back, 'new'), 'h')
    applySteps(plan2.slice(0, 1))
    rollBack(plan2)
    expect(tree(back)).toEqual(tree(mediaRoot(files)))
  })

  test('rollBack removes the parents a move created', () => {
    const root = mediaRoot({ 'old/0/a.png': 'A' })
    const plan = planMediaMove(root, join(root, 'old'), join(root, 'team', 'sub', 'new'), 'h')
    applySteps(plan)
    rollBack(plan)
    expect(tree(root)).toEqual({ 'old/0/a.png': 'A' })
    expect(readdirSync(root).map((f) => relative(root, join(root, f)))).toEqual(['old'])
  })
})
