// A virtualised list: however many items, only the rows in view (plus a few above and below) exist in the
// DOM. Rows have one fixed height and sit absolutely positioned over a spacer as tall as the whole list; a
// scroll or resize redraws them in the next animation frame, reusing the same elements.

/** One cell of a row: a span (or a button) with a class, its text, an optional tooltip and an optional bar (0..1). */
export interface Cell {
  readonly cls: string;
  readonly text: string;
  readonly title?: string;
  readonly bar?: number;
  readonly button?: boolean;
}

/** Makes `row` hold exactly these cells, reusing its children where the tag matches. */
export function fillRow(row: HTMLElement, className: string, cells: readonly Cell[], data: Readonly<Record<string, string>> = {}): void {
  row.className = className;
  for (const k of Object.keys(row.dataset)) if (!(k in data)) delete row.dataset[k];
  for (const [k, v] of Object.entries(data)) row.dataset[k] = v;
  cells.forEach((c, i) => {
    const tag = c.button === true ? 'BUTTON' : 'SPAN';
    let el = row.children[i] as HTMLElement | undefined;
    if (el === undefined || el.tagName !== tag) {
      const made = document.createElement(tag.toLowerCase());
      if (el === undefined) row.append(made);
      else el.replaceWith(made);
      el = made;
    }
    el.className = c.cls;
    if (c.button === true) (el as HTMLButtonElement).type = 'button';
    if (c.bar === undefined) el.textContent = c.text;
    else {
      el.textContent = c.text;
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('i');
      fill.style.width = `${Math.round(Math.min(1, Math.max(0, c.bar)) * 100)}%`;
      bar.append(fill);
      el.append(bar);
    }
    if (c.title !== undefined) el.title = c.title;
    else el.removeAttribute('title');
  });
  while (row.children.length > cells.length) row.lastElementChild!.remove();
}

export class VirtualList<T> {
  private items: readonly T[] = [];
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private frame = 0;

  constructor(
    private readonly el: HTMLElement,
    private readonly rowHeight: number,
    private readonly render: (item: T, row: HTMLElement, index: number) => void,
    private readonly overscan = 8,
  ) {
    this.spacer = document.createElement('div');
    this.spacer.className = 'vspacer';
    el.append(this.spacer);
    el.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(el);
  }

  get length(): number {
    return this.items.length;
  }

  setItems(items: readonly T[]): void {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.draw();
  }

  /** Scrolls so that item `index` is in view. */
  reveal(index: number): void {
    const top = index * this.rowHeight;
    if (top < this.el.scrollTop || top + this.rowHeight > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = top;
    this.draw();
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const h = this.rowHeight;
    const first = Math.max(0, Math.floor(this.el.scrollTop / h) - this.overscan);
    const last = Math.min(this.items.length, Math.ceil((this.el.scrollTop + this.el.clientHeight) / h) + this.overscan);
    const needed = Math.max(0, last - first);
    while (this.rows.length < needed) {
      const row = document.createElement('div');
      row.style.height = `${h}px`;
      this.el.append(row);
      this.rows.push(row);
    }
    while (this.rows.length > needed) this.rows.pop()!.remove();
    for (let i = 0; i < needed; i++) {
      const row = this.rows[i]!;
      row.style.top = `${(first + i) * h}px`;
      this.render(this.items[first + i]!, row, first + i);
    }
  }
}
