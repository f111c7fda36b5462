import json
from collections import deque

JOBS = "P1:0:8:3,P2:1:4:1,P3:2:9:4,P4:3:5:2,P5:4:2:5"  # param jobs: name:arrival:burst[:priority]
POLICY = "rr"  # param policy: fcfs, sjn, rr, mlq, mlfq
QUANTUM = 2  # param quantum
LEVELS = 3  # param levels
AGING = 10  # param aging

jobs = []
for item in JOBS.split(","):
    name, arrival, burst, *prio = item.strip().split(":")
    jobs.append({"name": name, "arrival": int(arrival), "burst": int(burst),
                 "priority": int(prio[0]) if prio else 1})

n = len(jobs)
left = [j["burst"] for j in jobs]
level = ([min(max(j["priority"], 1) - 1, LEVELS - 1) for j in jobs] if POLICY == "mlq" else [0] * n)
queues = [deque() for _ in range(LEVELS)]
waited_since, arrived = [0] * n, [False] * n
slices = []          # [job, start, end]
current, used, now = None, 0, 0
by_arrival = sorted(range(n), key=lambda i: (jobs[i]["arrival"], i))


def quantum_of(lvl):
    return QUANTUM << lvl if POLICY in ("mlq", "mlfq") else QUANTUM


while any(left):
    for i in by_arrival:                       # arrivals join their queue
        if not arrived[i] and jobs[i]["arrival"] <= now:
            arrived[i], waited_since[i] = True, now
            queues[level[i]].append(i)
    if POLICY == "mlfq":                       # aging lifts long waiters to the top
        for lvl in range(1, LEVELS):
            keep = deque()
            while queues[lvl]:
                i = queues[lvl].popleft()
                if now - waited_since[i] >= AGING:
                    level[i], waited_since[i] = 0, now
                    queues[0].append(i)
                else:
                    keep.append(i)
            queues[lvl] = keep
    if current is not None:                    # preemption
        if POLICY == "rr":
            preempt = used >= QUANTUM
        elif POLICY in ("mlq", "mlfq"):
            preempt = used >= quantum_of(level[current]) or any(queues[:level[current]])
        else:
            preempt = False
        if preempt:
            if POLICY == "mlfq" and used >= quantum_of(level[current]):
                level[current] = min(level[current] + 1, LEVELS - 1)
            waited_since[current] = now
            queues[level[current]].append(current)
            current = None
    if current is None:                        # dispatch
        if POLICY == "sjn":
            if queues[0]:
                best = min(queues[0], key=lambda i: (left[i], jobs[i]["arrival"], i))
                queues[0].remove(best)
                current = best
        else:
            for q in queues:
                if q:
                    current = q.popleft()
                    break
        used = 0
    if current is None:
        now += 1
        continue
    if slices and slices[-1][0] == current and slices[-1][2] == now:
        slices[-1][2] += 1
    else:
        slices.append([current, now, now + 1])
    left[current] -= 1
    used += 1
    now += 1
    if left[current] == 0:
        current = None

print("Gantt:", " ".join(f"{jobs[j]['name']}[{s},{e})" for j, s, e in slices))
waiting, turnaround, response = [], [], []
for i, j in enumerate(jobs):
    mine = [s for s in slices if s[0] == i]
    done = max(e for _, _, e in mine)
    first = min(s for _, s, _ in mine)
    turnaround.append(done - j["arrival"])
    waiting.append(turnaround[-1] - j["burst"])
    response.append(first - j["arrival"])
    print(f"{j['name']}: waiting {waiting[-1]}, turnaround {turnaround[-1]}, response {response[-1]}")
avg = lambda xs: round(sum(xs) / len(xs), 2)
print(f"average waiting {avg(waiting)}, turnaround {avg(turnaround)}, response {avg(response)}")
print("RESULT " + json.dumps({"waiting": waiting, "turnaround": turnaround, "response": response,
                              "avg_waiting": avg(waiting), "avg_turnaround": avg(turnaround),
                              "avg_response": avg(response),
                              "order": [jobs[j]["name"] for j, _, _ in slices]}))
