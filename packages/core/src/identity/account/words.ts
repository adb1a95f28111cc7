/**
 * The 256 words of the link confirmation string (sas.ts): one word per byte, in this order. Written for Parley
 * (no outside list, so no other licence): short concrete nouns, lowercase ASCII, no word a prefix of another
 * and no two sharing their first four letters, so a word misread on one screen is not a word on the other.
 * Frozen: the words two devices show depend on it (test/identity/account/link.test.ts pins its hash).
 */
export const SAS_WORDS: readonly string[] = Object.freeze(
  `
acorn album amber angle ankle apple apron arena armor arrow atlas attic autumn bacon badge bagel baker bamboo
banjo barrel basin beach beard beetle bell bench berry bison blade bloom board bonus bottle bowl brain branch
bread brick bridge broom bubble bucket bundle butter cabin cactus camel candle canoe canyon carpet carrot
castle cattle cave cedar chair chalk cherry chess circle clock cloud clover coast coffee collar comet copper
coral cotton crab crane crayon crown cube daisy dance deer delta denim desert dock donkey door dragon drum
duck eagle earth echo eel elbow engine falcon farm fence fiddle field finger fire flag flute forest fossil fox
frog fruit galaxy garden garlic gate gecko ginger glove goat gold grape grass guitar hammer harbor harp hawk
helmet honey horse hotel house igloo island ivory jacket jaguar jelly jewel juice jungle kayak kettle kitten
kiwi koala ladder lagoon lake lamp laptop lava lemon letter lily lion lizard magnet mango maple marble meadow
melon mirror monkey moon moose motor mouse needle nest noodle novel oak ocean olive onion orange orbit orchid
otter owl oyster paddle palace panda paper parrot peach peanut pencil pepper piano pigeon pillow pilot planet
plum pocket poem pony potato puzzle queen quilt rabbit radio raven ribbon river robot rocket rose ruby saddle
salmon sand scarf shadow sheep shell ship silver skate sketch snail snake spider spoon squash star statue
stone storm sugar summer sunset swan table tiger tomato tower train tulip turtle valley velvet violin wagon
walnut walrus water whale window wolf yacht yogurt zebra zipper
`
    .trim()
    .split(/\s+/),
);
