"""Reviews from verified pickups, with the owner's reply (floor 4: built on shops,
livestock and pickup; imported only by storefront)."""
