/** Tiny DOM helpers: the page is plain TypeScript and DOM, no framework. */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v)
    else if (k === 'class') el.className = String(v)
    else if (k in el && k !== 'list' && k !== 'form' && typeof v !== 'string') (el as any)[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
}

export function clear(el: Element): void {
  el.replaceChildren()
}

export function $(sel: string, root: ParentNode = document): HTMLElement | null {
  return root.querySelector(sel)
}

/** Children without the null/false placeholders of conditional parts (for replaceChildren). */
export function nodes(...c: Child[]): (Node | string)[] {
  return c.filter((x): x is Node | string | number => x !== null && x !== undefined && x !== false).map((x) => (typeof x === 'number' ? String(x) : x))
}
