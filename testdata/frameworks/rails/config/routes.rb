Rails.application.routes.draw do
  root "posts#index"
  get "up", to: "posts#up"
end
