# level: 4 — contextvars: per-task values in asyncio, copy_context().run, tokens, fresh contexts in threads
import asyncio
import contextvars
import threading

request_id = contextvars.ContextVar("request_id", default="none")


async def handle(n):
    request_id.set(f"req-{n}")
    await asyncio.sleep(0.01 * (3 - n))
    return f"task {n} sees {request_id.get()}"


async def main():
    request_id.set("main")
    results = await asyncio.gather(*(handle(n) for n in range(3)))
    print(results)
    print("main still sees", request_id.get())


print("before:", request_id.get())
asyncio.run(main())
print("after asyncio.run:", request_id.get())

token = request_id.set("outer")
ctx = contextvars.copy_context()


def show_and_change():
    print("inside ctx.run:", request_id.get())
    request_id.set("changed inside")
    return request_id.get()


print(ctx.run(show_and_change), "| outside:", request_id.get(), "| ctx has:", ctx[request_id])
request_id.reset(token)
print("after reset:", request_id.get())

request_id.set("main thread value")
seen = []
t = threading.Thread(target=lambda: seen.append(request_id.get()))
t.start()
t.join()
print("a new thread starts with the default:", seen)
print(request_id.name, request_id.get("ignored default"))
