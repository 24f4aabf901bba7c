/** A small, safe Markdown renderer for report values: builds DOM nodes, never parses HTML. */
import { h } from './dom'

function inline(text: string): (Node | string)[] {
  const out: (Node | string)[] = []
  const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|_[^_]+_)|(\[[^\]]+\]\([^)\s]+\))/g
  let last = 0
  for (let m: RegExpExecArray | null; (m = re.exec(text)); ) {
    if (m.index > last) out.push(text.slice(last, m.index))
    const t = m[0]
    if (m[1]) out.push(h('code', {}, t.slice(1, -1)))
    else if (m[2]) out.push(h('strong', {}, ...inline(t.slice(2, -2))))
    else if (m[3]) out.push(h('em', {}, ...inline(t.slice(1, -1))))
    else {
      const close = t.indexOf('](')
      const href = t.slice(close + 2, -1)
      const label = t.slice(1, close)
      out.push(/^(https?:|\/|#)/.test(href) ? h('a', { href, rel: 'noopener noreferrer' }, label) : label)
    }
    last = m.index + t.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

export function renderMarkdown(src: string): HTMLElement {
  const root = h('div', { class: 'markdown' })
  const lines = src.replace(/\r\n?/g, '\n').split('\n')
  let para: string[] = []
  let list: HTMLElement | null = null
  const flush = () => {
    if (para.length) root.append(h('p', {}, ...inline(para.join(' '))))
    para = []
    list = null
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('```')) {
      flush()
      const code: string[] = []
      while (++i < lines.length && !lines[i]!.startsWith('```')) code.push(lines[i]!)
      root.append(h('pre', {}, h('code', {}, code.join('\n'))))
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      flush()
      const level = Math.min(6, heading[1]!.length + 2) as 3 | 4 | 5 | 6
      root.append(h(`h${level}` as 'h3', {}, ...inline(heading[2]!)))
      continue
    }
    const item = /^\s*(?:[-*+]|\d+\.)\s+(.*)$/.exec(line)
    if (item) {
      if (para.length) flush()
      if (!list) root.append((list = h('ul', {})))
      list.append(h('li', {}, ...inline(item[1]!)))
      continue
    }
    if (!line.trim()) flush()
    else {
      list = null
      para.push(line.trim())
    }
  }
  flush()
  return root
}
