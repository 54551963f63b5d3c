/** The cart lives in localStorage. Prices here are the catalogue's, for an ESTIMATE only: the charged
 * amount always comes from createOrder. */
export interface CartLine {
  productId: string;
  name: string;
  unitPrice: number;
  sellerId: string;
  sellerName: string;
  quantity: number;
}

const KEY = 'checkout.cart.v1';

export function readCart(): CartLine[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as CartLine[]).filter((l) => l && typeof l.productId === 'string') : [];
  } catch {
    return [];
  }
}

function write(lines: CartLine[]): void {
  localStorage.setItem(KEY, JSON.stringify(lines));
}

export function addToCart(line: Omit<CartLine, 'quantity'>, max: number): CartLine[] {
  const lines = readCart();
  const existing = lines.find((l) => l.productId === line.productId);
  if (existing) existing.quantity = Math.min(existing.quantity + 1, Math.max(max, 1));
  else lines.push({ ...line, quantity: 1 });
  write(lines);
  return lines;
}

export function setQuantity(productId: string, quantity: number): CartLine[] {
  const lines = readCart()
    .map((l) => (l.productId === productId ? { ...l, quantity } : l))
    .filter((l) => l.quantity > 0);
  write(lines);
  return lines;
}

export function clearCart(): void {
  localStorage.removeItem(KEY);
}

export function groupBySeller(lines: CartLine[]): { sellerId: string; sellerName: string; lines: CartLine[] }[] {
  const groups = new Map<string, { sellerId: string; sellerName: string; lines: CartLine[] }>();
  for (const line of lines) {
    const group = groups.get(line.sellerId) ?? { sellerId: line.sellerId, sellerName: line.sellerName, lines: [] };
    group.lines.push(line);
    groups.set(line.sellerId, group);
  }
  return [...groups.values()];
}

export const estimate = (lines: CartLine[]): number => lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
