/**
 * Confluent's Protobuf message indexes count nested types as protoc's descriptors list them, and a
 * descriptor lists the synthetic entry type of each `map<K, V>` field among the nested messages,
 * in declaration order. protobufjs's parser keeps maps as fields and drops that order, so this
 * small scanner reads it back from the .proto text: for each message (by its dotted path inside
 * the package), the ordered slots of its nested types.
 */
export type NestedSlot =
  { readonly kind: 'message'; readonly name: string } | { readonly kind: 'mapEntry'; readonly field: string };

/** Keyed by the message's path relative to the package, e.g. `Order` or `Order.Line`. */
export type DeclarationOrder = ReadonlyMap<string, readonly NestedSlot[]>;

function stripCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < source.length && !(source[i] === '*' && source[i + 1] === '/')) i++;
      i += 2;
      out += ' ';
    } else if (c === '"' || c === "'") {
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === '\\' ? 2 : 1;
      i++;
      out += ' "" ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

type Frame =
  { readonly kind: 'message'; readonly path: string; readonly slots: NestedSlot[] } | { readonly kind: 'other' };

/** Returns undefined when the text does not scan as expected (then protobufjs's order is used). */
export function scanDeclarationOrder(source: string): DeclarationOrder | undefined {
  const tokens = stripCommentsAndStrings(source).match(/[A-Za-z_][\w.]*|\d[\w.]*|[^\s\w]/g) ?? [];
  const order = new Map<string, NestedSlot[]>();
  const stack: Frame[] = [];
  const enclosingMessage = (): Extract<Frame, { kind: 'message' }> | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const frame = stack[i];
      if (frame.kind === 'message') return frame;
    }
    return undefined;
  };
  // A `{` opens the block that the most recent declaration keyword announced.
  let pending: Frame | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '{') {
      stack.push(pending ?? { kind: 'other' });
      pending = undefined;
      continue;
    }
    if (token === '}') {
      if (!stack.length) return undefined;
      stack.pop();
      continue;
    }
    if (token === ';') {
      pending = undefined;
      continue;
    }
    const parent = enclosingMessage();
    const atDeclarationStart = i === 0 || tokens[i - 1] === ';' || tokens[i - 1] === '{' || tokens[i - 1] === '}';
    if (!atDeclarationStart && token !== 'group') continue;
    if (token === 'message' && /^[A-Za-z_]\w*$/.test(tokens[i + 1] ?? '')) {
      const name = tokens[i + 1];
      const path = parent ? `${parent.path}.${name}` : name;
      parent?.slots.push({ kind: 'message', name });
      const frame: Frame = { kind: 'message', path, slots: [] };
      order.set(path, frame.slots);
      pending = frame;
      i++;
    } else if (token === 'group' && parent && /^[A-Za-z_]\w*$/.test(tokens[i + 1] ?? '')) {
      // proto2 groups declare a nested message of the same name.
      const name = tokens[i + 1];
      const path = `${parent.path}.${name}`;
      parent.slots.push({ kind: 'message', name });
      const frame: Frame = { kind: 'message', path, slots: [] };
      order.set(path, frame.slots);
      pending = frame;
      i++;
    } else if (token === 'map' && tokens[i + 1] === '<' && parent) {
      let j = i + 2;
      while (j < tokens.length && tokens[j] !== '>') j++;
      const field = tokens[j + 1];
      if (!field) return undefined;
      parent.slots.push({ kind: 'mapEntry', field });
      i = j + 1;
    } else if (
      token === 'enum' ||
      token === 'oneof' ||
      token === 'service' ||
      token === 'extend' ||
      token === 'rpc' ||
      token === 'option'
    ) {
      pending = { kind: 'other' };
    }
  }
  return stack.length === 0 ? order : undefined;
}
