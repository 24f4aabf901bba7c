/** Modal confirmation and text prompts built on <dialog> (focus trapped, Escape cancels). */
import { h } from './dom'

function open(content: HTMLElement[], okLabel: string, danger: boolean, initial?: HTMLInputElement): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', value: 'ok' }, okLabel)
    const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel')
    const form = h('form', { method: 'dialog' }, ...content, h('div', { class: 'dialog-buttons' }, cancel, ok))
    const dlg = h('dialog', { class: 'dialog' }, form)
    cancel.addEventListener('click', () => dlg.close('cancel'))
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok')
      dlg.remove()
    })
    document.body.append(dlg)
    dlg.showModal()
    ;(initial ?? ok).focus()
    initial?.select()
  })
}

export async function confirmDialog(title: string, text: string, okLabel: string): Promise<boolean> {
  return open([h('h2', {}, title), h('p', {}, text)], okLabel, true)
}

export async function promptDialog(title: string, label: string, value: string, okLabel: string): Promise<string | null> {
  const input = h('input', { type: 'text', value, required: true, 'aria-label': label, name: 'value', autocomplete: 'off' })
  const ok = await open([h('h2', {}, title), h('label', {}, label, input)], okLabel, false, input)
  const v = input.value.trim()
  return ok && v ? v : null
}
