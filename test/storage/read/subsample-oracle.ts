/** Python port of compat §5 step 4 (budget allocation), written from the spec text; shared by tests. */
export const PY_ALLOCATE = `
def allocate(sizes, max_points):
    floor = max_points // len(sizes)
    budget = [min(s, floor) for s in sizes]
    for _ in range(4):
        remaining = max_points - sum(budget)
        if remaining < 1: break
        demand = [s - b for s, b in zip(sizes, budget)]
        td = sum(demand)
        if td < 1: break
        quota = [remaining * d / td for d in demand]
        add = [int(q) for q in quota]
        left = remaining - sum(add)
        for i in sorted(range(len(add)), key=lambda i: (add[i] - quota[i], i))[:left]:
            add[i] += 1
        budget = [min(s, b + a) for s, b, a in zip(sizes, budget, add)]
    return budget
`
