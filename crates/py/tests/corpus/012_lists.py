# level: 1 — list methods, slicing, copying and sorting
nums = [5, 3, 8, 1, 9, 2]
nums.append(7)
nums.insert(0, 4)
nums.extend([6, 0])
print(nums, len(nums))
print(nums.pop(), nums.pop(0), nums)
nums.remove(8)
print(nums, nums.index(9), nums.count(3))
nums.sort()
print(nums)
nums.sort(reverse=True)
print(nums)
nums.reverse()
print(nums)
print(nums[1:4], nums[:2], nums[-2:], nums[::2], nums[::-1], nums[-3:-1], nums[5:1:-2])
copy = nums[:]
copy[0] = 100
print(nums[0], copy[0])
nums[1:3] = ["a", "b", "c"]
print(nums)
del nums[0]
del nums[-2:]
print(nums)
print([1, 2] + [3], [0] * 4, 3 in [1, 2, 3], [1, 2] == [1, 2], [1, 2] < [1, 3], [2] > [1, 9])
words = ["pear", "Apple", "fig", "banana"]
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=len, reverse=True))
print(max(words, key=len), min(words), words.index("fig"))
stack = []
for x in range(4):
    stack.append(x * x)
print(stack.pop(), stack.pop(), stack)
nested = [[1, 2], [3], []]
print(sum(nested, []), [len(x) for x in nested])
print(list("abc"), list(range(3)), [].copy(), nums.clear(), nums)
grid = [[c for c in "xo"] for _ in range(2)]
grid[0][0] = "!"
print(grid, [[]] * 2, len([[]] * 3))
